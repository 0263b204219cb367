"""A worker stopped while an interval is open: the restarted worker scores that interval with
every one of its records (issue 4's "no input event lost", for interval datasets).

The first worker commits the input partition no further than the interval's first record; the
restart reads from there, rebuilds the interval and skips the records of intervals already
scored. The dataset alerts on every judged interval (a threshold near 0), so every scored
interval shows on the anomalies topic with its source offsets and measure values.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from dexwatch.schemas import AnomalyEvent, MetricEvent, decode, encode
from dexwatch.streams.engine.commit_marks.committed_marks import read_committed
from tests.series_data import START
from tests.support.kafka_helpers import (
    ProducedRecord,
    TopicReader,
    create_topic,
    produce_records,
    wait_for,
)
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

POOLS = ("0xopen0", "0xopen1")  # one per partition
PER_MINUTE = 4  # events per pool and minute, 15 s apart
WARMUP = 3
OPEN_MINUTES = (7, 8)  # open when the worker stops: 8 has begun, 7 is within the lateness


def _dataset_file(path: Path, topic: str) -> Path:
    dataset = {
        "name": "open-intervals",
        "source": {"topic": topic},
        "dimensions": ["pool"],
        "measures": [
            {"name": "volume_usd", "aggregation": "sum"},
            {"name": "trades", "field": "volume_usd", "aggregation": "count"},
        ],
        "interval": "1m",
        "allowed_lateness": "1m",  # partitions are read in any order: not 0
        "detector": {"warmup": WARMUP},
        "alert_threshold": 1e-9,
    }
    path.write_bytes(orjson.dumps({"datasets": [dataset]}))
    return path


def _events(
    first_minute: int, last_minute: int, *, upto_quarter: int = PER_MINUTE
) -> list[ProducedRecord]:
    """Every pool's events from `first_minute` to `last_minute` (the last one up to its
    `upto_quarter`th event), in time order."""
    records = []
    for minute in range(first_minute, last_minute + 1):
        quarters = upto_quarter if minute == last_minute else PER_MINUTE
        for quarter in range(quarters):
            for partition, pool in enumerate(POOLS):
                event = MetricEvent(
                    event_time=START + timedelta(minutes=minute, seconds=15 * quarter),
                    source="test",
                    dimensions={"pool": pool},
                    measures={"volume_usd": 10.0 + minute + quarter},
                )
                records.append(ProducedRecord(pool.encode(), encode(event), partition))
    return records


@pytest.mark.parametrize("stop", ["kill -9", "sigterm"])
def test_an_interval_open_at_a_stop_is_scored_whole_after_the_restart(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path, stop: str
) -> None:
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter")}
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic, len(POOLS))
    metrics_topic = topics["metrics"]
    app_id = unique_name("app")
    env = {
        "DEXWATCH_DATASETS": str(_dataset_file(tmp_path / "dataset.yaml", metrics_topic)),
        "DEXWATCH_TOPIC_PARTITIONS": str(len(POOLS)),
        # One static member: the restart takes the partitions back at once.
        "DEXWATCH_GROUP_INSTANCE_ID": f"{app_id}-0",
        "DEXWATCH_BROKER_SESSION_TIMEOUT_S": "60",
        # The restart must judge minute 8: its models come back from their snapshots.
        "DEXWATCH_SNAPSHOT_INTERVAL_S": "0.5",
    }
    partitions = [(metrics_topic, partition) for partition in range(len(POOLS))]
    # Minutes 0-7 whole, and the first two events of minute 8 in each partition.
    first_part = _events(0, 8, upto_quarter=2)
    per_partition = len(first_part) // len(POOLS)
    open_first = 7 * PER_MINUTE  # the offset of minute 7's first record
    first = WorkerProcess(kafka_bootstrap, app_id, topics, tmp_path / "first", env)
    try:
        first.wait_until_serving()
        # Minutes 0-6, then (once their snapshots are due) the rest: the batch that scores
        # minutes 5 and 6 writes every series' snapshot, past its warm-up.
        split = 7 * PER_MINUTE * len(POOLS)
        produce_records(kafka_bootstrap, metrics_topic, first_part[:split])
        wait_for(
            lambda: first.metric("dexwatch_events_scored_total") >= 5 * len(POOLS),
            60,
            "minutes 0-4 scored",
        )
        time.sleep(0.6)  # the snapshot interval: a clock, not a condition to wait on
        produce_records(kafka_bootstrap, metrics_topic, first_part[split:])
        wait_for(
            lambda: first.metric("dexwatch_snapshot_writes_total") >= len(POOLS),
            60,
            "a snapshot of every series",
        )

        def committed_after_all() -> bool:
            found = asyncio.run(read_committed(kafka_bootstrap, app_id, partitions))
            return all(
                c.mark is not None and c.mark.processed == per_partition for c in found.values()
            )

        wait_for(committed_after_all, 60, "a commit after every record was handled")
        committed = asyncio.run(read_committed(kafka_bootstrap, app_id, partitions))
        # Held back: not past the first record of the open intervals.
        assert {c.offset for c in committed.values()} == {open_first}
        if stop == "kill -9":
            first.kill()
        else:
            first.stop()
    finally:
        first.stop()

    second = WorkerProcess(kafka_bootstrap, app_id, topics, tmp_path / "second", env)
    try:
        second.wait_until_serving()
        # The rest of minute 8, minute 9, and minute 10's first events: they close minute 8.
        rest = _events(8, 8)[2 * len(POOLS) :] + _events(9, 10, upto_quarter=1)
        produce_records(kafka_bootstrap, metrics_topic, rest)
        opened = {START + timedelta(minutes=minute) for minute in OPEN_MINUTES}
        with TopicReader(kafka_bootstrap, [topics["anomalies"], topics["dead_letter"]]) as reader:
            anomalies: list[AnomalyEvent] = []
            dead: list[bytes] = []

            def open_minutes_scored() -> bool:
                for message in reader.poll_new():
                    if message.topic() == topics["anomalies"]:
                        anomalies.append(decode(AnomalyEvent, message.value() or b""))
                    else:
                        dead.append(message.value() or b"")
                found = {(a.series, a.interval_start) for a in anomalies}
                return all((f"pool={p}", start) in found for p in POOLS for start in opened)

            wait_for(open_minutes_scored, 60, "minutes 7 and 8 of every pool scored again")
            reader.poll_new(1.0)  # anything else already on its way
        assert second.metric("dexwatch_events_late_total", dataset="open-intervals") == 0
    finally:
        second.stop()

    assert dead == [], "records dead-lettered (late?) that the first worker had handled"
    for anomaly in anomalies:
        if anomaly.interval_start in opened:
            minute = (anomaly.interval_start - START) // timedelta(minutes=1)
            [source] = anomaly.source_offsets
            assert (source.first, source.last) == (
                minute * PER_MINUTE,
                (minute + 1) * PER_MINUTE - 1,
            ), f"minute {minute} lost records from before the stop"
    # Intervals scored before the stop and read again were not scored again from part of
    # their records: each series-interval has one content.
    contents: dict[tuple[str, str], set[tuple[object, ...]]] = {}
    for anomaly in anomalies:
        contents.setdefault((anomaly.series, anomaly.interval_start.isoformat()), set()).add(
            (anomaly.anomaly_id, tuple((s.first, s.last) for s in anomaly.source_offsets))
        )
    assert all(len(found) == 1 for found in contents.values()), contents
