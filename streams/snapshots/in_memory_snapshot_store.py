"""A snapshot store in a dict, for unit tests: the same records a faust table would hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from dexwatch.streams.snapshots.record import decode_record, push_snapshot
from dexwatch.streams.snapshots.store import DEFAULT_HISTORY, Snapshot

__all__ = ["InMemorySnapshotStore"]


class InMemorySnapshotStore:
    """A `PartitionedSnapshotStore` in a dict, holding the same records a faust table would."""

    def __init__(self, history: int = DEFAULT_HISTORY) -> None:
        self.history_size = history
        self.records: dict[str, bytes] = {}
        self.partitions: dict[str, int] = {}
        self.writes = 0

    def save(
        self, series_key: str, state: bytes, *, at: datetime, points_seen: int, version: int
    ) -> None:
        snapshot = Snapshot(state, at, points_seen, version)
        self.records[series_key] = push_snapshot(
            self.records.get(series_key), snapshot, self.history_size
        )
        self.writes += 1

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
        self.save(series_key, state, at=at, points_seen=points_seen, version=version)
        self.partitions[series_key] = partition

    def latest(self, series_key: str) -> Snapshot | None:
        kept = self.history(series_key)
        return kept[0] if kept else None

    def history(self, series_key: str) -> list[Snapshot]:
        record = self.records.get(series_key)
        return [] if record is None else list(decode_record(record))

    def series(self) -> Iterator[str]:
        return iter(list(self.records))
