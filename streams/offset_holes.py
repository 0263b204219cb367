"""Records faust skipped: holes in a partition's offsets, found and filled before scoring.

Around a rebalance faust-streaming can hand the agent a partition's records with one missing
(a message skipped as belonging to the previous consumer generation, or a jump it takes for a
compaction gap) and still commit past it: the record would be lost. Input topics here are
plain topics, so offsets a worker reads are consecutive; the agent tracks the next offset it
expects per partition and, when a record comes after a hole, reads the hole's records itself
(`TopicReader` over that range) and scores them first, in order. A hole with no records in it
(transaction markers, compaction) reads as empty and costs one short read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from streams.metric_event_handler import ConsumedRecord

__all__ = ["OffsetHole", "OffsetTracker", "fill_holes"]


@dataclass(frozen=True, slots=True)
class OffsetHole:
    """Offsets `start` (inclusive) to `end` (exclusive) of one partition never handed over."""

    topic: str
    partition: int
    start: int
    end: int


class OffsetTracker:
    """The next offset expected per partition held, from the records the agent handled."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, int], int] = {}

    def check(self, records: Sequence[ConsumedRecord]) -> list[tuple[int, OffsetHole]]:
        """Holes before records of this batch: (index of the record after the hole, hole).
        Records at or before an offset already handled (a re-delivery) pass unremarked."""
        found: list[tuple[int, OffsetHole]] = []
        for index, record in enumerate(records):
            where = (record.topic, record.partition)
            expected = self._next.get(where)
            if expected is not None and record.offset > expected:
                found.append(
                    (index, OffsetHole(record.topic, record.partition, expected, record.offset))
                )
            if expected is None or record.offset >= expected:
                self._next[where] = record.offset + 1
        return found

    def forget(self, partitions: Collection[tuple[str, int]]) -> None:
        """Partitions no longer held: whoever gets them starts from the committed offset."""
        for where in partitions:
            self._next.pop(where, None)


HoleReader = Callable[[OffsetHole], list[ConsumedRecord]]


def fill_holes(
    records: Sequence[ConsumedRecord],
    holes: Sequence[tuple[int, OffsetHole]],
    read: HoleReader,
) -> list[ConsumedRecord]:
    """`records` with each hole's records read and put just before the record after it."""
    filled: list[ConsumedRecord] = []
    start = 0
    for index, hole in holes:
        filled += records[start:index]
        filled += [r for r in read(hole) if hole.start <= r.offset < hole.end]
        start = index
    filled += records[start:]
    return filled
