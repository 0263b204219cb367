"""A package `__init__` that names its public members but imports each module on first use
(PEP 562), so importing one light submodule does not load every heavy one beside it."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, modules: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, whose public `name` lives in
    `modules[name]`; each is imported when first read and then kept in the package."""
    namespace = importlib.import_module(package).__dict__
    shadowed = [name for name in modules if importlib.util.find_spec(f"{package}.{name}")]
    if shadowed:  # importing that submodule would bind its name to the module, not the member
        raise ImportError(f"{package} cannot export {shadowed} lazily: a submodule has that name")

    def getattr_(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # once: later reads do not come here
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *modules})

    return getattr_, dir_
