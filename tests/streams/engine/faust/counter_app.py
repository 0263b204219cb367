"""A tiny faust app for the snapshot broker tests (not the production worker).

It counts events per series (the record key) in memory, snapshots each counter through
`FaustSnapshotTable` on the `SnapshotScheduler`'s schedule, flushes dirty series on rebalance
and shutdown, and on start restores every counter of its partitions from the table. `/state`
on the web port shows its counters, what it restored and how many table writes it made.

Run: `python -m tests.streams.engine.faust.counter_app` with the `COUNTER_*` variables set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import faust
from faust.worker import Worker

from dexwatch.messaging.topics import changelog_topic as faust_changelog_topic
from dexwatch.streams.engine.faust.snapshot_table import FaustSnapshotTable
from dexwatch.streams.snapshots import SeriesSnapshotter, SeriesState, SnapshotScheduler

__all__ = ["TABLE_NAME", "changelog_topic", "create_counter_app"]

TABLE_NAME = "snapshots"


def changelog_topic(app_id: str) -> str:
    return faust_changelog_topic(app_id, TABLE_NAME)


def create_counter_app(
    *,
    bootstrap: str,
    app_id: str,
    topic: str,
    partitions: int,
    data_dir: Path,
    web_port: int,
    interval_s: float,
) -> Any:
    app = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=partitions,
        datadir=str(data_dir),
        web_bind="127.0.0.1",
        web_host="127.0.0.1",
        web_port=web_port,
        autodiscover=False,
        store="memory://",
        table_standby_replicas=0,
        # A killed member leaves the group after this long: the restart waits for it.
        broker_session_timeout=6.0,
        broker_heartbeat_interval=1.0,
        consumer_auto_offset_reset="earliest",
    )
    source = app.topic(topic, key_type=bytes, value_type=bytes)
    counters: dict[str, int] = {}
    versions: dict[str, int] = {}
    restored: dict[str, int] = {}
    last_snapshot: dict[str, int] = {}
    stats = {"events": 0, "ready": 0}

    def state_of(key: str) -> SeriesState | None:
        count = counters.get(key)
        if count is None:
            return None
        versions[key] = versions.get(key, 0) + 1
        last_snapshot[key] = count
        return SeriesState(count.to_bytes(8, "little"), count, versions[key])

    def forget(keys: list[str]) -> None:
        for key in keys:
            counters.pop(key, None)

    store = FaustSnapshotTable(app, TABLE_NAME, source_topic=topic, partitions=partitions)
    snapshotter = SeriesSnapshotter(
        store, SnapshotScheduler(interval_s), state_of, on_forget=forget
    )
    store.flush_dirty_on_rebalance_and_stop(
        snapshotter.flush, on_assigned=snapshotter.forget_unassigned
    )

    def restore(key: str, partition: int | None) -> None:
        latest = store.latest(key)
        if latest is None:
            return
        counters[key] = restored[key] = int.from_bytes(latest.state, "little")
        versions[key] = latest.version
        if partition is not None:
            snapshotter.restored(key, partition)

    async def on_recovered() -> None:
        for key in store.series():
            if key not in counters:
                restore(key, None)
        stats["ready"] = 1

    store.table.on_recover(on_recovered)

    async def count(stream: Any) -> None:
        async for event in stream.events():
            key = bytes(event.message.key).decode()
            partition = event.message.partition
            if key not in counters:
                restore(key, partition)
            counters[key] = counters.get(key, 0) + 1
            stats["events"] += 1
            snapshotter.on_event(key, partition)

    app.agent(source, name="count-per-series")(count)

    async def state_page(web: Any, request: Any) -> Any:
        return web.json(
            {
                **stats,
                "counters": counters,
                "restored": restored,
                "last_snapshot": last_snapshot,
                "table_writes": store.writes,
                "scheduled_writes": snapshotter.scheduled_writes,
                "flushed_writes": snapshotter.flushed_writes,
            }
        )

    app.page("/state")(state_page)
    return app


def main() -> None:
    env = os.environ
    app = create_counter_app(
        bootstrap=env["COUNTER_BOOTSTRAP"],
        app_id=env["COUNTER_APP_ID"],
        topic=env["COUNTER_TOPIC"],
        partitions=int(env["COUNTER_PARTITIONS"]),
        data_dir=Path(env["COUNTER_DATA_DIR"]),
        web_port=int(env["COUNTER_WEB_PORT"]),
        interval_s=float(env["COUNTER_INTERVAL_S"]),
    )
    Worker(app, loglevel="info", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
