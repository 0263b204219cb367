"""Values the Makefile pins (`NAME := value`), for tests that check other files agree."""

from __future__ import annotations

from pathlib import Path

__all__ = ["make_variable"]

MAKEFILE = Path(__file__).resolve().parent.parent / "Makefile"


def make_variable(name: str) -> str:
    for line in MAKEFILE.read_text(encoding="utf-8").splitlines():
        variable, separator, value = line.partition(":=")
        if separator and variable.strip() == name:
            return value.strip()
    raise AssertionError(f"the Makefile sets no {name}")
