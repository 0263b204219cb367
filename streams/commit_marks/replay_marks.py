"""Reading a partition again after a crash or rebalance: which records were handled before.

From its committed offset up to its mark's `processed`, a partition's records were handled by
the worker that committed it. An every-event dataset scored those before `acked` (faust's own
commit position; later ones are scored again, at least once, with the same anomaly ids). An
interval dataset rebuilds the intervals that were still open from them, and skips the records
of intervals its watermark had closed: those were scored, and a partial re-score would emit a
different anomaly under the same id.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from streams.aggregation import IntervalAggregator
from streams.commit_marks.commit_mark import CommitMark
from streams.records import Partition

__all__ = ["ReplayMarks", "handled_before"]


class ReplayMarks:
    """The marks of partitions being read again, each dropped once its reading passes it."""

    def __init__(self) -> None:
        self._marks: dict[Partition, CommitMark] = {}

    def __bool__(self) -> bool:
        return bool(self._marks)

    def install(self, where: Partition, mark: CommitMark) -> None:
        self._marks[where] = mark

    def forget(self, partitions: Collection[Partition]) -> None:
        for where in partitions:
            self._marks.pop(where, None)

    def mark_for(self, topic: str, partition: int, offset: int) -> CommitMark | None:
        """The mark that covers this record, if any (records come in offset order)."""
        where = (topic, partition)
        mark = self._marks.get(where)
        if mark is not None and offset >= mark.processed:
            del self._marks[where]
            return None
        return mark


def handled_before(
    mark: CommitMark,
    offset: int,
    dataset: str,
    aggregator: IntervalAggregator,
    event_time: datetime,
) -> bool:
    """Whether `dataset` already scored this record (see the module docstring)."""
    if aggregator.dataset.interval_seconds is None:
        return offset < mark.acked
    return offset < mark.processed and aggregator.is_closed(
        event_time, mark.watermarks.get(dataset)
    )
