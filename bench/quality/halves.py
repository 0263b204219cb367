"""Two fixed halves of a corpus: tune on half A, report half B.

Files sorted by key; half A takes the even positions ("tune"), half B the odd ones ("report").
Alternating keeps each category or source in both halves; sorting keeps the split the same
from run to run and machine to machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["HALF_NAMES", "Halves", "half_letters", "split_halves"]

T = TypeVar("T")

HALF_NAMES = ("half A (tune)", "half B (report)")


@dataclass(frozen=True, slots=True)
class Halves(Generic[T]):
    tune: list[T]
    report: list[T]

    def named(self) -> list[tuple[str, list[T]]]:
        """`(name, items)` for half A then half B, as reports print them."""
        return list(zip(HALF_NAMES, (self.tune, self.report), strict=True))


def split_halves(items: Iterable[T], key: Callable[[T], str]) -> Halves[T]:
    ordered = sorted(items, key=key)
    return Halves(tune=ordered[0::2], report=ordered[1::2])


def half_letters(keys: Iterable[str]) -> dict[str, str]:
    """`A` or `B` for each key: the half it falls in, for per-file tables."""
    halves = split_halves(keys, key=str)
    return {key: "A" for key in halves.tune} | {key: "B" for key in halves.report}
