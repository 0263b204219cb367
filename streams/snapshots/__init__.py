"""Durable model state without per-event writes: snapshots on a schedule, kept K deep.

Live models stay in the worker's memory. `SeriesSnapshotter.on_event` (inside the agent)
snapshots a series when `SnapshotScheduler` says it is due into a `PartitionedSnapshotStore`,
which keeps the last `DEFAULT_HISTORY` snapshots per series. The engine's store
(`streams/engine/faust/snapshot_table.py`: a changelog-backed RocksDB table) flushes every dirty
series on rebalance and shutdown, and is restored from its changelog on restart; it lives with
the engine so that this package loads no Kafka client. See docs/snapshots.md.
"""

from dexwatch.streams.snapshots.in_memory_snapshot_store import InMemorySnapshotStore
from dexwatch.streams.snapshots.record import (
    MAGIC,
    RECORD_VERSION,
    decode_record,
    encode_record,
    push_snapshot,
)
from dexwatch.streams.snapshots.scheduler import SnapshotScheduler
from dexwatch.streams.snapshots.series_snapshotter import SeriesSnapshotter, SeriesState
from dexwatch.streams.snapshots.store import (
    DEFAULT_HISTORY,
    PartitionedSnapshotStore,
    Snapshot,
    SnapshotStore,
)

__all__ = [
    "DEFAULT_HISTORY",
    "MAGIC",
    "RECORD_VERSION",
    "InMemorySnapshotStore",
    "PartitionedSnapshotStore",
    "SeriesSnapshotter",
    "SeriesState",
    "Snapshot",
    "SnapshotScheduler",
    "SnapshotStore",
    "decode_record",
    "encode_record",
    "push_snapshot",
]
