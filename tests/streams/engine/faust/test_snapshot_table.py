"""`FaustSnapshotTable` against the real broker, through a tiny counting faust app.

Each test runs `counter_app` as a subprocess with its own data dir, web port, topic and group,
then kills or stops it and checks what a restart restores from the RocksDB table and its
changelog topic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Message, TopicPartition

from dexwatch.streams.snapshots import Snapshot, decode_record
from tests.streams.engine.faust.counter_app import changelog_topic
from tests.streams.engine.faust.counter_process import CounterProcess
from tests.support.kafka_helpers import consume_until, create_topic, produce, wait_for

pytestmark = pytest.mark.kafka

PARTITIONS = 4
SERIES = [f"pool-{index}" for index in range(10)]

StartCounter = Callable[[str, float], CounterProcess]


@pytest.fixture
def start_counter(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> Iterator[StartCounter]:
    """`start_counter(data_dir_name, interval_s)`: a counter app on this test's topic and id."""
    topic = create_topic(kafka_bootstrap, unique_name("counts"), PARTITIONS)
    app_id = unique_name("counter")
    started: list[CounterProcess] = []

    def start(data_dir: str, interval_s: float) -> CounterProcess:
        process = CounterProcess(
            kafka_bootstrap,
            app_id=app_id,
            topic=topic,
            partitions=PARTITIONS,
            data_dir=tmp_path / data_dir,
            interval_s=interval_s,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.terminate()


def produce_counts(bootstrap: str, topic: str, counts: dict[str, int]) -> int:
    records = [
        (key.encode(), b"1")
        for round_ in range(max(counts.values()))
        for key in counts
        if round_ < counts[key]
    ]
    return produce(bootstrap, topic, records)


def changelog_snapshots(
    bootstrap: str, app_id: str, done: Callable[[dict[str, Snapshot]], bool], timeout_s: float
) -> tuple[dict[str, Snapshot], list[Message]]:
    """The newest snapshot per series in the table's changelog topic, read until `done`."""
    latest: dict[str, Snapshot] = {}

    def read(messages: list[Message]) -> bool:
        latest.clear()
        for message in messages:
            key, value = message.key(), message.value()
            assert key is not None
            assert value is not None
            latest[key.decode()] = decode_record(value)[0]
        return done(latest)

    messages = consume_until(bootstrap, changelog_topic(app_id), read, timeout_s)
    read(messages)
    return latest, messages


def source_partitions(bootstrap: str, topic: str, total: int) -> dict[str, int]:
    messages = consume_until(bootstrap, topic, lambda got: len(got) >= total, 20)
    return {bytes(message.key() or b"").decode(): message.partition() or 0 for message in messages}


def committed_everything(bootstrap: str, group: str, topic: str) -> bool:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        partitions = [TopicPartition(topic, partition) for partition in range(PARTITIONS)]
        committed = consumer.committed(partitions, timeout=5)
        for tp in committed:
            _low, high = consumer.get_watermark_offsets(tp, timeout=5)
            if tp.offset != high and high > 0:
                return False
        return True
    finally:
        consumer.close()


def test_kill_9_restores_the_last_snapshot_and_goes_on(
    kafka_bootstrap: str, start_counter: StartCounter
) -> None:
    worker = start_counter("worker", 1.5)
    worker.wait_ready()
    produced = produce_counts(kafka_bootstrap, worker.topic, {key: 200 for key in SERIES})
    worker.wait_events(produced)

    # One event per series now and then, until each has had its scheduled snapshot.
    last_tick = 0.0

    def every_series_snapshotted() -> bool:
        nonlocal last_tick, produced
        state = worker.current()
        if set(state["last_snapshot"]) == set(SERIES):
            return True
        if time.monotonic() - last_tick > 0.25:
            produced += produce_counts(kafka_bootstrap, worker.topic, dict.fromkeys(SERIES, 1))
            last_tick = time.monotonic()
        return False

    wait_for(every_series_snapshotted, 20, "a scheduled snapshot of every series")
    # A few more events each: the state moves on past the snapshot.
    produced += produce_counts(kafka_bootstrap, worker.topic, dict.fromkeys(SERIES, 5))
    before = worker.wait_events(produced)
    wait_for(
        lambda: committed_everything(kafka_bootstrap, worker.app_id, worker.topic),
        15,
        "the worker to commit every source offset",
    )
    before = worker.current()
    snapshots: dict[str, int] = before["last_snapshot"]
    # What the kill must not lose: every snapshot the app made is in the changelog topic.
    changelog_snapshots(
        kafka_bootstrap,
        worker.app_id,
        lambda latest: {key: s.points_seen for key, s in latest.items()} == snapshots,
        15,
    )
    assert before["scheduled_writes"] == before["table_writes"]
    assert before["table_writes"] * 20 < before["events"], before

    worker.kill()
    again = start_counter("worker", 1.5)  # same data dir: local RocksDB plus changelog tail
    restored = again.wait_ready(timeout_s=45)
    assert restored["restored"] == snapshots
    assert restored["counters"] == snapshots
    lost = sum(before["counters"].values()) - sum(snapshots.values())
    assert lost >= 0

    more = produce_counts(kafka_bootstrap, again.topic, dict.fromkeys(SERIES, 3))
    after = again.wait_events(more)
    assert after["counters"] == {key: count + 3 for key, count in snapshots.items()}


def test_sigterm_flushes_every_dirty_series_and_a_fresh_worker_recovers_them(
    kafka_bootstrap: str, start_counter: StartCounter
) -> None:
    counts = {key: 20 + 10 * index for index, key in enumerate(SERIES)}
    worker = start_counter("first", 3600.0)  # never due: only the shutdown flush writes
    worker.wait_ready()
    total = produce_counts(kafka_bootstrap, worker.topic, counts)
    state = worker.wait_events(total)
    assert state["table_writes"] == 0
    assert state["counters"] == counts

    assert worker.terminate() == 0, worker.log_tail()
    # The table really is RocksDB (one database per partition), not faust's memory store.
    assert len(list(worker.data_dir.glob("**/snapshots-*.db"))) == PARTITIONS
    latest, messages = changelog_snapshots(
        kafka_bootstrap, worker.app_id, lambda got: len(got) == len(SERIES), 15
    )
    assert {key: snapshot.points_seen for key, snapshot in latest.items()} == counts
    assert {key: int.from_bytes(s.state, "little") for key, s in latest.items()} == counts
    assert len(messages) == len(SERIES)  # one table write per series for all the events
    assert len(messages) * 20 < total
    # Each record went to the changelog partition of its series' source partition.
    where = source_partitions(kafka_bootstrap, worker.topic, total)
    assert {bytes(m.key() or b"").decode(): m.partition() for m in messages} == where

    fresh = start_counter("second", 3600.0)  # a new data dir: only the changelog to go on
    assert fresh.wait_ready(timeout_s=45)["restored"] == counts
    assert fresh.terminate() == 0
    # And the first data dir: its RocksDB holds the flushed records and their offsets.
    again = start_counter("first", 3600.0)
    assert again.wait_ready(timeout_s=45)["restored"] == counts


def test_a_rebalance_flushes_dirty_series_and_the_new_owner_recovers_them(
    kafka_bootstrap: str, start_counter: StartCounter
) -> None:
    counts = {key: 10 + index for index, key in enumerate(SERIES)}
    first = start_counter("first", 3600.0)
    first.wait_ready()
    total = produce_counts(kafka_bootstrap, first.topic, counts)
    assert first.wait_events(total)["table_writes"] == 0

    second = start_counter("second", 3600.0)  # joins the group: partitions move
    taken = second.wait_ready(timeout_s=45)
    state = first.current()
    assert state["flushed_writes"] >= len(SERIES)  # every dirty series, before giving any up
    # The newcomer restored exactly the series of the partitions it took, at their counts,
    # and the first worker let go of them.
    assert taken["restored"]
    assert taken["restored"] == {key: counts[key] for key in taken["restored"]}
    kept = wait_for(
        lambda: (now := first.current())["counters"].keys().isdisjoint(taken["restored"]) and now,
        10,
        "the first worker to forget the series it gave up",
    )
    assert set(kept["counters"]) | set(taken["restored"]) == set(SERIES)
