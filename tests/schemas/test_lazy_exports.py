"""`lazy_exports`: a package's members load on first use, and a name a submodule shadows fails."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

MakePackage = Callable[[str, dict[str, str], dict[str, str]], None]

INIT = """
from dexwatch.schemas.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {EXPORTS})
"""


@pytest.fixture
def make_package(tmp_path: Path) -> Iterator[MakePackage]:
    sys.path.insert(0, str(tmp_path))
    made: list[str] = []

    def make(name: str, exports: dict[str, str], modules: dict[str, str]) -> None:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "__init__.py").write_text(INIT.replace("{EXPORTS}", repr(exports)))
        for module, source in modules.items():
            (folder / f"{module}.py").write_text(source)
        made.append(name)

    yield make
    sys.path.remove(str(tmp_path))
    for name in made:
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]


def test_a_member_loads_its_module_on_first_use_only(make_package: MakePackage) -> None:
    make_package("lazy_pkg", {"VALUE": "lazy_pkg.heavy"}, {"heavy": "VALUE = 42\n"})
    package = importlib.import_module("lazy_pkg")
    assert "lazy_pkg.heavy" not in sys.modules
    assert "VALUE" in dir(package)
    assert package.VALUE == 42
    assert "lazy_pkg.heavy" in sys.modules
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = package.missing


def test_a_member_named_like_a_submodule_is_refused(make_package: MakePackage) -> None:
    make_package("lazy_clash", {"heavy": "lazy_clash.heavy"}, {"heavy": "def heavy(): ...\n"})
    with pytest.raises(ImportError, match="a submodule has that name"):
        importlib.import_module("lazy_clash")
