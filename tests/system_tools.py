"""System tools a few tests drive (kcat, prometheus, a compose tool), or a clear verdict without.

On a developer's machine a missing tool skips its test, naming the command that installs it
(`make test` runs that command itself when it can: as root, with apt-get). Under CI=true a
missing tool fails the test instead: CI installs them, so their absence there is a broken setup
that must not pass as a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from typing import NoReturn

import pytest

__all__ = ["APT_INSTALL", "in_ci", "missing_tool", "require_tool"]

APT_INSTALL = "apt-get install -y --no-install-recommends"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing_tool(message: str) -> NoReturn:
    """Fail in CI, skip elsewhere, with `message` (which says how to install the tool)."""
    if in_ci():
        pytest.fail(f"{message}; CI=true, where it must be installed")
    pytest.skip(message)


def require_tool(name: str, *, package: str | None = None, also: Sequence[str] = ()) -> str:
    """The path of `name` on PATH (or the first executable of `also`), else `missing_tool`."""
    found = shutil.which(name) or next((path for path in also if os.access(path, os.X_OK)), None)
    if found is None:
        missing_tool(
            f"`{name}` is not installed: {APT_INSTALL} {package or name} "
            "(as root; `make test` runs it when it can)"
        )
    return found
