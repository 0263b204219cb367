"""The wheel installs one top-level name, `dexwatch`, with every package of the tree in it.

Builds the wheel with pip (an isolated build: setuptools from the index, as `pip install` does)
and reads its `top_level.txt` and file list; also checks pyproject's explicit package list
against the folders, so a new sub-package cannot be left out of the wheel unnoticed.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DIR: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]


def tree_packages() -> set[str]:
    """`dexwatch` and `dexwatch.<folder>.<sub>...` for every folder holding an __init__.py."""
    found = {"dexwatch"}
    for name, folder in PACKAGE_DIR.items():
        for init in (REPO / folder).rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                parts = init.parent.relative_to(REPO / folder).parts
                found.add(".".join((name, *parts)))
    return found


def test_pyproject_lists_every_package_of_the_tree() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == tree_packages(), (
        "pyproject [tool.setuptools] packages and the folders differ; "
        f"missing: {sorted(tree_packages() - listed)}, extra: {sorted(listed - tree_packages())}"
    )


def test_each_folder_is_linked_from_the_dexwatch_package() -> None:
    for name, folder in PACKAGE_DIR.items():
        link = REPO / "dexwatch" / name.split(".", 1)[1]
        assert link.is_symlink(), f"{link} must be a link to ../{folder} (docs/development.md)"
        assert link.resolve() == (REPO / folder).resolve()


@pytest.mark.slow
def test_the_wheel_installs_dexwatch_only(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = tmp_path.glob("dexwatch-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        assert archive.read(top_level).decode().split() == ["dexwatch"]
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {
        "dexwatch"
    }
    # Every module of the tree is in the wheel, under its dexwatch name, and the package data.
    package_data: dict[str, list[str]] = PYPROJECT["tool"]["setuptools"].get("package-data", {})
    for name, folder in PACKAGE_DIR.items():
        files = list((REPO / folder).rglob("*.py"))
        for pattern in package_data.get(name, []):
            files += [path for path in (REPO / folder).glob(pattern) if path.is_file()]
        for path in files:
            inside = f"{name.replace('.', '/')}/{path.relative_to(REPO / folder).as_posix()}"
            assert inside in names, f"{inside} is missing from the wheel"
