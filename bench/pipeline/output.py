"""Progress lines, and the figures a run keeps for its summary and its `--json` file."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Figure", "say"]


def say(line: str) -> None:
    print(line, flush=True)


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the summary: what was measured, the figure, and how to read it."""

    what: str
    figure: str
    note: str = ""

    def describe(self) -> str:
        return f"{self.what}: {self.figure}" + (f"  ({self.note})" if self.note else "")
