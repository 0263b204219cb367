"""Consumer lag per input topic is the broker's high water minus the group's committed offset."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from dexwatch.schemas import MetricEvent, encode
from dexwatch.streams.engine.faust.consumer_lag import lag_by_topic
from dexwatch.streams.incidents.inputs import incident_inputs_topic
from tests.support.kafka_helpers import committed_offsets, create_topic, produce, wait_for
from tests.support.worker_process import WorkerProcess

PARTITIONS = 4
START = datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_lag_is_high_water_minus_committed_per_topic_of_the_held_partitions() -> None:
    lag = lag_by_topic(
        ["a", "b"],
        {("a", 0): 100, ("a", 1): 50, ("b", 3): 7, ("changelog", 0): 150_000},
        {("a", 0): 40, ("a", 1): 50, ("b", 3): None},
        {("b", 3): 2},
    )
    assert lag == {"a": 60, "b": 5}  # b[3]: nothing committed, so from its log start
    assert lag_by_topic(["a"], {("a", 0): 9}, {}, {}) == {"a": 9}
    assert lag_by_topic(["a"], {}, {}, {}) == {"a": 0}  # no partition held here
    assert lag_by_topic(["a"], {("a", 0): 5}, {("a", 0): 6}, {}) == {"a": 0}  # read in between


def _broker_lag(bootstrap: str, group: str, topic: str) -> int:
    """High water minus committed (or the log start) summed over `topic`'s partitions, read by
    clients of our own."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"lag-{uuid.uuid4().hex}"})
    try:
        marks = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            for p in range(PARTITIONS)
        }
    finally:
        consumer.close()
    committed = committed_offsets(bootstrap, group, topic, range(PARTITIONS))
    return sum(high - committed.get(p, low) for p, (low, high) in marks.items())


def _datasets(tmp_path: Path, instant: str, hourly: str) -> Path:
    path = tmp_path / "datasets.yaml"
    path.write_text(
        f"""
datasets:
  - name: instant
    source: {{topic: {instant}}}
    dimensions: [pool]
    measures: "*"
    interval: none
  - name: hourly
    source: {{topic: {hourly}}}
    dimensions: [pool]
    measures: [{{name: volume, aggregation: sum}}]
    interval: 1h
"""
    )
    return path


def _events(count: int, step: timedelta) -> list[tuple[bytes, bytes]]:
    return [
        (
            f"pool-{n % 10}".encode(),
            encode(
                MetricEvent(
                    event_time=START + n * step,
                    source="test",
                    dimensions={"pool": f"pool-{n % 10}"},
                    measures={"volume": float(n % 7)},
                )
            ),
        )
        for n in range(count)
    ]


@pytest.mark.kafka
def test_the_lag_metric_matches_the_broker_committed_and_held_back(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    """`instant` is committed to its high water once read: lag 0. `hourly` keeps its records in
    an open hour, so its commits are held back before them: its lag is those records."""
    outputs = {kind: unique_name(kind) for kind in ("anomalies", "dead_letter", "model_actions")}
    instant, hourly = unique_name("instant"), unique_name("hourly")
    for topic in (*outputs.values(), instant, hourly):
        create_topic(kafka_bootstrap, topic, partitions=PARTITIONS)
    app_id = unique_name("app")
    worker = WorkerProcess(
        kafka_bootstrap,
        app_id,
        outputs,
        tmp_path / "worker",
        {"DEXWATCH_DATASETS": str(_datasets(tmp_path, instant, hourly))},
    )
    try:
        worker.wait_until_serving()
        produce(kafka_bootstrap, instant, _events(200, timedelta(minutes=1)))
        produce(kafka_bootstrap, hourly, _events(60, timedelta(seconds=30)))  # all in one hour
        wait_for(
            lambda: worker.metric("dexwatch_events_consumed_total") >= 260, 90, "260 events read"
        )
        wait_for(lambda: _broker_lag(kafka_bootstrap, app_id, instant) == 0, 60, "all committed")
        topics = {instant: instant, hourly: hourly}

        def agree() -> bool:
            broker = {name: _broker_lag(kafka_bootstrap, app_id, t) for name, t in topics.items()}
            shown = {
                name: worker.metric("dexwatch_consumer_lag_records", topic=t)
                for name, t in topics.items()
            }
            return shown == broker

        wait_for(agree, 60, "the lag metric to equal high water - committed on the broker")
        assert worker.metric("dexwatch_consumer_lag_records", topic=instant) == 0
        assert worker.metric("dexwatch_consumer_lag_records", topic=hourly) == 60  # held back
        incidents = incident_inputs_topic(app_id)
        wait_for(
            lambda: (
                worker.metric("dexwatch_incident_inputs_lag_records")
                == _broker_lag(kafka_bootstrap, app_id, incidents)
            ),
            30,
            "the incident inputs' lag to equal the broker's",
        )
        assert worker.process.poll() is None, worker.log_tail()
    finally:
        worker.stop()
