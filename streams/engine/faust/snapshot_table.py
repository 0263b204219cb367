"""The durable snapshot store: a RocksDB-backed faust table with a changelog topic.

One table entry per series (key: the series key in UTF-8; value: a `snapshot_record`), written
rarely: on the `SnapshotScheduler`'s schedule from inside the agent's event (`save`), and for
every dirty series on rebalance and shutdown (`save_to_partition`).

faust shards a table by the partition of the event being processed: `table[key] = value` finds
the partition in `faust.streams.current_event()` twice, once in the RocksDB store (which
partition's database to write) and once for the changelog record (which changelog partition
to send to). Outside an event both fail (`TypeError: Cannot modify table key from outside of
stream iteration`; the RocksDB store's `_set` asserts an event even with `use_partitioner`).
`save_to_partition` therefore runs the same `table[key] = value` under a stand-in event for
the series' own source partition (`_source_partition_event`): every write goes through faust's
own path (store, key index, changelog partition, persisted offsets, sensors), and the record
lands in the changelog partition recovery will assign together with the source partition.

The flush hooks (`flush_dirty_with`, `flush_revoked`):

- rebalance: `app.on_partitions_revoked` fires after faust has waited for in-flight events and
  before the table closes any RocksDB partition; the flush writes, then waits for the producer
  so the changelog holds the records before the group rejoins and the new owner recovers;
- shutdown: faust stops the tables once the streams are empty (`App._stop_consumer`), and the
  table's `on_stop` runs before its RocksDB store closes; the flush runs there.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import faust
from faust.streams import _current_event  # the context variable behind `current_event()`
from faust.types.tuples import Message

from dexwatch.streams.intake.records import Partition
from dexwatch.streams.snapshots.record import decode_record, push_snapshot
from dexwatch.streams.snapshots.store import DEFAULT_HISTORY, Snapshot

__all__ = ["FaustSnapshotTable"]

FlushHook = Callable[[Collection[int] | None], int]

# `faust.Table` is untyped here (faust ships partial types that mypy is told to ignore), so
# the subclass below derives from this alias, typed `Any` on purpose.
_TableBase: Any = faust.Table


class _SnapshotTable(_TableBase):  # type: ignore[misc]
    """A faust table that runs its `before_stop` hooks while its RocksDB store is still open."""

    before_stop: list[Callable[[], Any]]

    async def on_stop(self) -> None:
        for hook in getattr(self, "before_stop", []):
            result = hook()
            if result is not None:
                await result
        await super().on_stop()


class FaustSnapshotTable:
    """A `PartitionedSnapshotStore` over a changelog-backed RocksDB `faust.Table`.

    `partitions` must equal the source topic's partition count (faust checks it on the first
    write). `store` is the faust store scheme: "rocksdb" in a worker; "memory" keeps the same
    changelog behaviour without local files. Create it before the app starts, like any table.
    """

    def __init__(
        self,
        app: Any,
        name: str,
        *,
        source_topic: str,
        partitions: int,
        history: int = DEFAULT_HISTORY,
        store: str = "rocksdb",
    ) -> None:
        if not 1 <= history <= 255:
            raise ValueError(f"history must be 1 to 255, not {history}")
        self.app = app
        self.source_topic = source_topic
        self.history_size = history
        table = _SnapshotTable(
            app,
            name=name,
            beacon=app.tables.beacon,
            partitions=partitions,
            key_type=bytes,  # bytes keys and values: faust picks the "raw" codec for both
            value_type=bytes,
            # "rocksdb:<name>", not "rocksdb://": faust falls back to the app's store when the
            # table's store URL is falsy, and yarl's URL("rocksdb://") is (empty host and path).
            store=f"{store}:{name}",
            help="dexwatch model snapshots, one record per series",
        )
        table.before_stop = []
        if table.data.url.scheme != store:
            raise RuntimeError(f"faust gave table {name} a {table.data.url} store, not {store}")
        self.table: Any = app.tables.add(table)
        self.writes = 0
        self._flush: FlushHook | None = None

    # -- SnapshotStore -------------------------------------------------------------------------

    def save(
        self, series_key: str, state: bytes, *, at: datetime, points_seen: int, version: int
    ) -> None:
        """Write the series' new snapshot; only inside an agent's event of that series."""
        if faust.current_event() is None:
            raise RuntimeError(
                "FaustSnapshotTable.save needs the agent's current event; outside an event "
                "use save_to_partition"
            )
        key = series_key.encode()
        snapshot = Snapshot(bytes(state), at, points_seen, version)
        self.table[key] = push_snapshot(self.table.get(key), snapshot, self.history_size)
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
        """Write outside any event, for a series whose events come from source `partition`."""
        with self._source_partition_event(partition):
            self.save(series_key, state, at=at, points_seen=points_seen, version=version)

    def latest(self, series_key: str) -> Snapshot | None:
        kept = self.history(series_key)
        return kept[0] if kept else None

    def history(self, series_key: str) -> list[Snapshot]:
        record = self.table.get(series_key.encode())
        return [] if record is None else list(decode_record(record))

    def series(self) -> Iterator[str]:
        """Series with a snapshot in this worker's active partitions."""
        for key in list(self.table.keys()):
            yield bytes(key).decode()

    # -- flush on rebalance and shutdown ------------------------------------------------------

    def flush_dirty_with(self, flush: FlushHook) -> None:
        """`flush(partitions)` writes the dirty series of source `partitions` (None: all); the
        table calls it with None when it stops, while its RocksDB store is still open, and
        `flush_revoked` with the revoked ones."""
        self._flush = flush

        async def flush_all() -> None:
            flush(None)
            await self.app.producer.flush()

        self.table.before_stop.append(flush_all)

    async def flush_revoked(self, partitions: set[Partition]) -> None:
        """Revoked partitions (faust has waited for in-flight events and not yet closed any
        RocksDB partition): write their dirty series, then wait for the producer, so the
        changelog holds them before the group rejoins and the new owner recovers."""
        mine = {partition for topic, partition in partitions if topic == self.source_topic}
        if mine and self._flush is not None:
            self._flush(mine)
            await self.app.producer.flush()

    def flush_dirty_on_rebalance_and_stop(
        self,
        flush: FlushHook,
        *,
        on_assigned: Callable[[set[int]], Any] | None = None,
    ) -> None:
        """For an app of this table alone: `flush_dirty_with(flush)`, and faust's rebalance
        signals connected to `flush_revoked` and `on_assigned(partitions)` (the source
        partitions held after a rebalance, e.g. `SeriesSnapshotter.forget_unassigned`)."""
        self.flush_dirty_with(flush)

        async def flush_revoked(_sender: Any, revoked: set[Any], **_kwargs: Any) -> None:
            await self.flush_revoked({(tp.topic, tp.partition) for tp in revoked})

        async def forget_unassigned(_sender: Any, assigned: set[Any], **_kwargs: Any) -> None:
            if on_assigned is not None:
                on_assigned({tp.partition for tp in assigned if tp.topic == self.source_topic})

        self.app.on_partitions_revoked.connect(flush_revoked)
        self.app.on_partitions_assigned.connect(forget_unassigned)

    @contextmanager
    def _source_partition_event(self, partition: int) -> Iterator[None]:
        """Make faust see an event of the source topic's `partition` for the duration."""
        message = Message(
            topic=self.source_topic,
            partition=partition,
            offset=-1,
            timestamp=time.time(),
            timestamp_type=0,
            headers=[],
            key=None,
            value=None,
            checksum=None,
        )
        event = faust.Event(self.app, key=None, value=None, headers=None, message=message)
        token = _current_event.set(weakref.ref(event))
        try:
            yield
        finally:
            _current_event.reset(token)
