"""The snapshot store contract: per series, the last few snapshots of its model state.

A worker keeps live models in memory and saves a series' state here only now and then (see
`SnapshotScheduler`); each save keeps the previous `history` snapshots too, newest first, so a
rollback can restore an earlier one. `InMemorySnapshotStore` is the implementation for unit
tests; `FaustSnapshotTable` is the durable one (a RocksDB table backed by a changelog topic).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

__all__ = [
    "DEFAULT_HISTORY",
    "PartitionedSnapshotStore",
    "Snapshot",
    "SnapshotStore",
]

DEFAULT_HISTORY = 3
"""How many snapshots a series keeps (the newest and the ones a rollback can go back to)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One saved state of a series' model.

    `state` is the detection engine's compact format (e.g. `SeriesBank.to_state(row)`), `at`
    the (timezone-aware) time it was taken, `points_seen` how many points the model had
    learnt, and `version` a number the worker increases with every snapshot of the series.
    """

    state: bytes
    at: datetime
    points_seen: int
    version: int


@runtime_checkable
class SnapshotStore(Protocol):
    """Where a worker's model snapshots live, keyed by series."""

    def save(
        self, series_key: str, state: bytes, *, at: datetime, points_seen: int, version: int
    ) -> None:
        """Store a new latest snapshot of `series_key`, keeping the earlier ones as history."""

    def latest(self, series_key: str) -> Snapshot | None:
        """The newest snapshot of `series_key`, or None when it has none."""

    def history(self, series_key: str) -> list[Snapshot]:
        """Every kept snapshot of `series_key`, newest first (at most the store's history)."""

    def series(self) -> Iterator[str]:
        """The keys of every series with a snapshot (in a faust table: of its active partitions)."""


@runtime_checkable
class PartitionedSnapshotStore(SnapshotStore, Protocol):
    """A store that can also save outside an event, into a named source partition.

    faust tables are sharded by the partition of the event being processed; a flush on
    rebalance or shutdown has no event, so it names the partition the series' events come from.
    """

    def save_to_partition(
        self,
        partition: int,
        series_key: str,
        state: bytes,
        *,
        at: datetime,
        points_seen: int,
        version: int,
    ) -> None:
        """`save`, for a series whose events arrive on source `partition`, outside any event."""
