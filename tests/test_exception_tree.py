"""Every exception class dexwatch defines derives from `DexwatchError` (schemas/errors.py).

Imports every module of the installed packages and looks at the classes each defines;
private control-flow exceptions (a leading underscore, never raised to a caller) are exempt.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import dexwatch.schemas.errors
from dexwatch.schemas.errors import DexwatchError

PACKAGES = (
    "dexwatch.schemas",
    "dexwatch.detectors",
    "dexwatch.connectors",
    "dexwatch.sinks",
    "dexwatch.streams",
    "dexwatch.console",
)


def _our_exceptions() -> list[type[BaseException]]:
    found = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module_info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            module = importlib.import_module(module_info.name)
            for _, value in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(value, BaseException)
                    and value.__module__ == module.__name__
                    and not value.__name__.startswith("_")
                ):
                    found.append(value)
    return found


def test_every_exception_we_define_derives_from_dexwatch_error() -> None:
    exceptions = _our_exceptions()
    assert len(exceptions) > 20, "the walk found the package's exceptions"
    strays = [
        f"{error.__module__}.{error.__qualname__}"
        for error in exceptions
        if not issubclass(error, DexwatchError)
    ]
    assert strays == []


def test_the_tree_in_schemas_errors_names_every_exception() -> None:
    written = dexwatch.schemas.errors.__doc__ or ""
    missing = sorted({error.__name__ for error in _our_exceptions()} - set(written.split()))
    assert missing == [], "add them to the tree in schemas/errors.py's docstring"
