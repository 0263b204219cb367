"""Rows out of time order: counted per series, and put in time order per series when wanted.

A row is out of order when it is earlier than the latest row of its series before it. Series
are independent models, so only the order within a series matters; a newest-first export is
the common case, and one NAB file's clock jumps back (NAB scores that file in file order, hence
`--keep-order`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dexwatch.tabular.csv_input import CsvRecord

__all__ = ["LateRows", "OrderKey", "RowOrder", "sorted_per_series"]

OrderKey = tuple[tuple[str, ...], datetime] | None
"""A row's series and time, or None for a row without a readable time (it is never moved)."""


class LateRows:
    """Tells the rows earlier than their series' latest time so far."""

    def __init__(self) -> None:
        self._latest: dict[tuple[str, ...], datetime] = {}

    def see(self, series: tuple[str, ...], at: datetime) -> bool:
        """Whether `at` is earlier than `series`' latest time seen (a tie is in order)."""
        latest = self._latest.get(series)
        if latest is None or at > latest:
            self._latest[series] = at
            return False
        return at < latest


def sorted_per_series(records: Sequence[CsvRecord], keys: Sequence[OrderKey]) -> list[CsvRecord]:
    """`records` with each series' rows in time order (stable: ties keep file order), placed in
    the slots that series holds in the file; rows without a key stay where they are."""
    slots: dict[tuple[str, ...], list[tuple[int, datetime]]] = {}
    for index, key in enumerate(keys):
        if key is not None:
            slots.setdefault(key[0], []).append((index, key[1]))
    result = list(records)
    for timed in slots.values():
        by_time = sorted(timed, key=lambda pair: pair[1])
        for (slot, _), (source, _) in zip(timed, by_time, strict=True):
            result[slot] = records[source]
    return result


@dataclass
class RowOrder:
    """What a run found about the order of its rows and what it did."""

    out_of_order: int = 0
    sorted: bool = False

    def summary(self) -> str:
        """E.g. `9 row(s) out of time order: sorted per series (--keep-order keeps file order)`."""
        if not self.out_of_order:
            return "rows in time order"
        found = f"{self.out_of_order:,} row(s) out of time order"
        if self.sorted:
            return f"{found}: sorted per series (--keep-order scores in file order)"
        return f"{found}: scored in file order"
