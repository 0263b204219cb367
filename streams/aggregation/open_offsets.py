"""The first source offset, per partition, of the records still held in open intervals.

The worker commits no partition past the oldest record it still holds in an open interval
(`streams/commit_marks`): after a crash or a rebalance those records are read again and their
intervals rebuilt, instead of being lost with the process. Kept per interval start, so closing
an interval is one `pop` and the hold moves on by itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.records import Partition

__all__ = ["OpenOffsets"]


class OpenOffsets:
    def __init__(self) -> None:
        self._by_start: dict[int, dict[Partition, int]] = {}

    def add(self, start_us: int, where: Partition, offset: int) -> None:
        firsts = self._by_start.get(start_us)
        if firsts is None:
            firsts = self._by_start[start_us] = {}
        first = firsts.get(where)
        if first is None or offset < first:  # a hole read back comes after later records
            firsts[where] = offset

    def close(self, start_us: int) -> None:
        self._by_start.pop(start_us, None)

    def firsts(self) -> dict[Partition, int]:
        """The lowest held offset per partition, over every open interval."""
        lowest: dict[Partition, int] = {}
        for firsts in self._by_start.values():
            for where, offset in firsts.items():
                held = lowest.get(where)
                if held is None or offset < held:
                    lowest[where] = offset
        return lowest

    def rebuild(self, spans: Iterable[tuple[int, Partition, int]]) -> None:
        """Start again from (interval start, partition, first offset) of every open bucket."""
        self._by_start = {}
        for start_us, where, offset in spans:
            self.add(start_us, where, offset)
