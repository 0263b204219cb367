"""When a series' snapshot is due: every `interval_s` of wall time, checked as its events arrive.

The worker calls `seen(series_key, partition)` for every event of a series (cheap: one clock
read and a dict lookup). It answers True when the series' last snapshot (or, before the first
one, the first event the worker saw) is at least `interval_s` old; the worker then saves the
snapshot right there, inside the event, so the faust table write lands in the event's partition.
Series seen since their last snapshot are *dirty*; `dirty()` lists them, with their source
partition, for the flush on rebalance and shutdown.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass

__all__ = ["SnapshotScheduler"]


@dataclass(slots=True)
class _SeriesClock:
    partition: int
    last_snapshot: float
    dirty: bool


class SnapshotScheduler:
    """Per series: the time of its last snapshot, its source partition, and whether it changed."""

    def __init__(
        self,
        interval_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        spread: bool = True,
    ) -> None:
        """`spread`: a series' first snapshot comes after a fraction of `interval_s` fixed by
        its key, so series first seen together (at start-up, after a rebalance) are not all
        due in the same second: 100,000 series at once would stall the stream."""
        if not interval_s > 0:
            raise ValueError(f"interval_s must be positive, not {interval_s}")
        self.interval_s = interval_s
        self._clock = clock
        self._spread = spread
        self._series: dict[str, _SeriesClock] = {}

    def _start(self, series_key: str) -> float:
        """The clock a new series' interval counts from: now, or earlier by its share."""
        now = self._clock()
        if not self._spread:
            return now
        share = zlib.crc32(series_key.encode()) / 2**32
        return now - share * self.interval_s

    def __len__(self) -> int:
        return len(self._series)

    def seen(self, series_key: str, partition: int) -> bool:
        """Note an event of `series_key` from source `partition`; True when a snapshot is due."""
        entry = self._series.get(series_key)
        if entry is None:
            self._series[series_key] = _SeriesClock(partition, self._start(series_key), True)
            return False
        entry.partition = partition
        entry.dirty = True
        return self._clock() - entry.last_snapshot >= self.interval_s

    def oldest_dirty_age(self) -> float:
        """Seconds since the oldest snapshot of a series that changed since: what a crash
        would lose at most (0 when every series is saved). O(series): call it on a timer."""
        now = self._clock()
        return max(
            (now - entry.last_snapshot for entry in self._series.values() if entry.dirty),
            default=0.0,
        )

    def saved(self, series_key: str) -> None:
        """The snapshot of `series_key` was written: it is clean and its interval starts again."""
        entry = self._series.get(series_key)
        if entry is not None:
            entry.last_snapshot = self._clock()
            entry.dirty = False

    def restored(self, series_key: str, partition: int) -> None:
        """`series_key` was just loaded from its snapshot: clean, interval starting now."""
        self._series[series_key] = _SeriesClock(partition, self._start(series_key), dirty=False)

    def partition_of(self, series_key: str) -> int | None:
        entry = self._series.get(series_key)
        return None if entry is None else entry.partition

    def partitions(self) -> set[int]:
        """The source partitions of every series known here."""
        return {entry.partition for entry in self._series.values()}

    def dirty(self, partitions: Collection[int] | None = None) -> list[tuple[str, int]]:
        """`(series_key, partition)` of each series changed since its snapshot (in `partitions`)."""
        return [
            (key, entry.partition)
            for key, entry in self._series.items()
            if entry.dirty and (partitions is None or entry.partition in partitions)
        ]

    def forget(self, partitions: Collection[int]) -> list[str]:
        """Drop the series of source `partitions` (no longer this worker's); their keys."""
        gone = [key for key, entry in self._series.items() if entry.partition in partitions]
        for key in gone:
            del self._series[key]
        return gone
