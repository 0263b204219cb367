"""The page's files: uPlot is present after `make setup`, pinned and checked, and kept out of
the repository; every module the page imports is there; the shell loads them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from dexwatch.console.page_routes import STATIC_DIR
from tests.makefile_variables import make_variable
from tests.system_tools import missing_tool

REPO_ROOT = Path(__file__).resolve().parents[2]
VENDOR = STATIC_DIR / "vendor"


def test_make_setup_fetched_the_pinned_uplot() -> None:
    version = make_variable("UPLOT_VERSION")
    stamp = VENDOR / f"uplot-{version}.stamp"
    if not stamp.is_file():
        missing_tool(f"uplot@{version} is not in {VENDOR}: `make console-vendor` (npm) fetches it")
    assert stamp.read_text().split() == [f"uplot@{version}", make_variable("UPLOT_INTEGRITY")]
    library = (VENDOR / "uPlot.iife.min.js").read_text(encoding="utf-8")
    assert "uPlot" in library
    assert (VENDOR / "uPlot.min.css").is_file()
    assert "MIT" in (VENDOR / "LICENSE").read_text(encoding="utf-8")


def test_no_library_code_is_in_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "--", str(STATIC_DIR)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked, "the page is not in the repository"
    assert not [path for path in tracked if "/vendor/" in path]
    assert "/console/static/vendor/" in (REPO_ROOT / ".gitignore").read_text(encoding="utf-8")


def test_every_module_the_page_imports_is_there() -> None:
    shell = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    loaded = re.findall(r'(?:src|href)="/static/([^"]+)"', shell)
    assert {"main.js", "console.css", "vendor/uPlot.iife.min.js", "vendor/uPlot.min.css"} <= set(
        loaded
    )
    for name in loaded:
        if not name.startswith("vendor/"):
            assert (STATIC_DIR / name).is_file(), name
    for module in STATIC_DIR.glob("*.js"):
        for imported in re.findall(r'from "\./([^"]+)"', module.read_text(encoding="utf-8")):
            assert (STATIC_DIR / imported).is_file(), f"{module.name} imports {imported}"
