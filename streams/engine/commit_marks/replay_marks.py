"""Reading a partition again after a crash or rebalance: which records were handled before.

From its committed offset up to its mark's `processed`, a partition's records were handled by
the worker that committed it. An every-event dataset scored those before `acked` (faust's own
commit position; later ones are scored again, at least once, with the same anomaly ids). An
interval dataset rebuilds the intervals that were still open from them, and skips the records
of intervals the mark's watermark says were closed: those were scored, and a partial re-score
would emit a different anomaly under the same id. Event time is per series: the mark's
watermark is the dataset's low watermark (every series that was not idle had closed its
intervals ending by it; an idle one had closed all it held), and each series read again takes
it as its own, so its later records are judged late or on time as the first worker would.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from dexwatch.streams.aggregation import IntervalAggregator
from dexwatch.streams.engine.commit_marks.commit_mark import CommitMark
from dexwatch.streams.intake.records import Partition

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
    series: str,
    dimensions: dict[str, str],
    event_time: datetime,
) -> bool:
    """Whether `dataset` already scored this record of `series` (see the module docstring)."""
    if aggregator.dataset.interval_seconds is None:
        return offset < mark.acked
    scored = mark.watermarks.get(dataset)
    if offset >= mark.processed or scored is None:
        return False
    return aggregator.read_again(series, dimensions, event_time, scored)
