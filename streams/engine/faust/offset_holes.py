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

from dexwatch.streams.intake.records import ConsumedRecord, Partition

__all__ = ["CheckedBatch", "OffsetHole", "OffsetTracker", "fill_holes"]


@dataclass(frozen=True, slots=True)
class OffsetHole:
    """Offsets `start` (inclusive) to `end` (exclusive) of one partition never handed over."""

    topic: str
    partition: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class CheckedBatch:
    """A batch's records less re-deliveries; holes as (index in `records` of the record
    after the hole, hole)."""

    records: list[ConsumedRecord]
    holes: list[tuple[int, OffsetHole]]
    redelivered: int


class OffsetTracker:
    """The next offset expected per partition held, from the records the agent handled."""

    def __init__(self) -> None:
        self._next: dict[Partition, int] = {}

    def check(self, records: Sequence[ConsumedRecord]) -> CheckedBatch:
        """The batch without re-deliveries (records at or before an offset already handled
        in this assignment: faust seeks back to the committed offset on start-up after its
        fetcher has already begun, and handling them twice would count them twice in an
        open interval), and the holes before the records kept."""
        kept: list[ConsumedRecord] | None = None  # built from the first re-delivery on
        found: list[tuple[int, OffsetHole]] = []
        expected_next = self._next
        for index, record in enumerate(records):
            where = (record.topic, record.partition)
            expected = expected_next.get(where)
            if expected is not None:
                if record.offset < expected:
                    if kept is None:
                        kept = list(records[:index])
                    continue
                if record.offset > expected:
                    hole = OffsetHole(record.topic, record.partition, expected, record.offset)
                    found.append((index if kept is None else len(kept), hole))
            expected_next[where] = record.offset + 1
            if kept is not None:
                kept.append(record)
        if kept is None:
            return CheckedBatch(list(records), found, 0)
        return CheckedBatch(kept, found, len(records) - len(kept))

    @property
    def held(self) -> Collection[Partition]:
        """The partitions with an expected offset."""
        return self._next.keys()

    def positions(self) -> dict[Partition, int]:
        """The next offset expected per partition (after a batch: every record before it
        was handed over)."""
        return dict(self._next)

    def expected(self, where: Partition) -> int | None:
        """The next offset `where` should deliver (None: no record or commit seen yet)."""
        return self._next.get(where)

    def expect(self, where: Partition, offset: int | None) -> None:
        """A partition just assigned: its first record should be `offset`, the committed one
        (None: nothing committed, any first record is fine)."""
        if offset is not None:
            self._next.setdefault(where, offset)

    def forget(self, partitions: Collection[Partition]) -> None:
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
