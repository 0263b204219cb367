"""Snapshots of live series on their schedule, and a flush of every dirty one on demand.

The worker owns its live models; `SeriesSnapshotter` asks it (`source(series_key)`) for a
series' current state only when one must be written:

- `on_event(series_key, partition)` inside the agent, for every event: writes the series'
  snapshot when `SnapshotScheduler` says it is due (rarely: once per interval per series);
- `flush(partitions)` outside any event, on rebalance or shutdown: writes every series changed
  since its snapshot, into the partition its events come from;
- `forget_unassigned(assigned)` after a rebalance: drops the series of partitions this worker
  no longer holds (their snapshots now belong to another worker), telling `on_forget`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from dexwatch.streams.snapshots.scheduler import SnapshotScheduler
from dexwatch.streams.snapshots.store import PartitionedSnapshotStore

__all__ = ["SeriesSnapshotter", "SeriesState"]


@dataclass(frozen=True, slots=True)
class SeriesState:
    """What the worker hands over for a snapshot: state bytes, points learnt, snapshot version."""

    state: bytes
    points_seen: int
    version: int


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SeriesSnapshotter:
    """Ties a store, a scheduler and the worker's live state together."""

    def __init__(
        self,
        store: PartitionedSnapshotStore,
        scheduler: SnapshotScheduler,
        source: Callable[[str], SeriesState | None],
        *,
        on_forget: Callable[[list[str]], None] | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.store = store
        self.scheduler = scheduler
        self._source = source
        self._on_forget = on_forget
        self._now = now
        self.scheduled_writes = 0
        self.flushed_writes = 0

    def on_event(self, series_key: str, partition: int) -> bool:
        """Call inside the agent for every event of `series_key`; True when it was snapshotted."""
        if not self.scheduler.seen(series_key, partition):
            return False
        # The partition is named: in a batch (`take_events`) faust's current event may be
        # another series' record, or none.
        if self._write(series_key, partition):
            self.scheduled_writes += 1
            return True
        return False

    def flush(self, partitions: Collection[int] | None = None) -> int:
        """Snapshot every dirty series (of source `partitions`), outside any event; how many."""
        written = 0
        for series_key, partition in self.scheduler.dirty(partitions):
            if self._write(series_key, partition):
                written += 1
        self.flushed_writes += written
        return written

    def restored(self, series_key: str, partition: int) -> None:
        """The worker loaded `series_key` from its snapshot: it is clean until its next event."""
        self.scheduler.restored(series_key, partition)

    def forget_unassigned(self, assigned: Collection[int]) -> list[str]:
        """Drop the series of every partition not in `assigned`; their keys."""
        gone = self.scheduler.forget(self.scheduler.partitions() - set(assigned))
        if gone and self._on_forget is not None:
            self._on_forget(gone)
        return gone

    def _write(self, series_key: str, partition: int | None) -> bool:
        current = self._source(series_key)
        if current is None:
            return False
        at = self._now()
        if partition is None:
            self.store.save(
                series_key,
                current.state,
                at=at,
                points_seen=current.points_seen,
                version=current.version,
            )
        else:
            self.store.save_to_partition(
                partition,
                series_key,
                current.state,
                at=at,
                points_seen=current.points_seen,
                version=current.version,
            )
        self.scheduler.saved(series_key)
        return True
