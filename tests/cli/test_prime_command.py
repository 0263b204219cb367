"""`dexwatch prime` against the real broker: a worker started after it resumes the primed models.

A stable pair's price history (400 hours around 1.0) is primed from a file; then a worker
on the same app id and datasets gets the live hours, the first of them a depeg to 0.97. The
primed worker judges the depeg with a model that has seen the history and alerts; a worker of
another app id that was not primed sees the same live hours as its first points and stays
silent (warming up).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Message

from dexwatch.cli.main import main
from dexwatch.connectors.kafka_producer import EventProducer
from dexwatch.messaging.topics import changelog_topic
from dexwatch.schemas import AnomalyEvent, MetricEvent, decode
from dexwatch.streams.snapshots.record import decode_record
from dexwatch.streams.snapshots.table_names import snapshot_table_name
from tests.support.kafka_helpers import consume, consume_until, create_topic, wait_for
from tests.support.worker_process import WorkerProcess

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

HISTORY_HOURS = 400
WARMUP = 168
POOL = {"chain": "ethereum", "pool": "0xusdc-usdt"}
DATASETS = """
datasets:
  - name: pegs
    source: {{topic: {topic}}}
    dimensions: [chain, pool]
    measures: [{{name: price, aggregation: last}}]
    interval: 1h
    allowed_lateness: 15m
    detector: {{warmup: {warmup}}}
"""


def _event(at: datetime, price: float) -> MetricEvent:
    return MetricEvent(event_time=at, source="test", dimensions=POOL, measures={"price": price})


def _history(first: datetime) -> list[MetricEvent]:
    rng = random.Random(5)
    return [
        _event(first + timedelta(hours=hour), 1.0 + 0.0003 * rng.gauss(0, 1))
        for hour in range(HISTORY_HOURS)
    ]


def _write(path: Path, events: list[MetricEvent]) -> None:
    with path.open("wb") as out:
        for event in events:
            out.write(orjson.dumps(event.model_dump(mode="json")) + b"\n")


def _live(bootstrap: str, topic: str, live: datetime) -> None:
    """The depeg hour, then two ordinary ones that close it."""
    with EventProducer(bootstrap) as producer:
        for hour, price in ((0, 0.97), (1, 1.0), (2, 1.0)):
            producer.send(topic, _event(live + timedelta(hours=hour), price))


def _worker_setup(
    bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[dict[str, str], Path]:
    """A worker's topics (created, and in the environment for `prime` as for the worker) and
    its datasets file."""
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter")}
    for kind, topic in topics.items():
        create_topic(bootstrap, topic)
        monkeypatch.setenv(f"DEXWATCH_{kind.upper()}_TOPIC", topic)
    datasets = tmp_path / "datasets.yaml"
    datasets.write_text(DATASETS.format(topic=topics["metrics"], warmup=WARMUP))
    return topics, datasets


def _first_anomaly(bootstrap: str, topic: str) -> list[AnomalyEvent]:
    """The anomalies topic read until it holds an anomaly (not a no_data signal)."""

    def decoded(messages: list[Message]) -> list[AnomalyEvent]:
        return [decode(AnomalyEvent, m.value() or b"") for m in messages]

    def done(messages: list[Message]) -> bool:
        return any(anomaly.kind == "anomaly" for anomaly in decoded(messages))

    return decoded(consume_until(bootstrap, topic, done, timeout_s=90))


def test_a_worker_started_after_prime_judges_its_first_live_hour_with_the_history(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    topics, datasets = _worker_setup(kafka_bootstrap, unique_name, tmp_path, monkeypatch)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    live = now - timedelta(hours=3)  # the depeg; two more hours close it
    history = tmp_path / "history.jsonl"
    _write(history, _history(live - timedelta(hours=HISTORY_HOURS + 1)))  # live-1h: no data
    app_id = unique_name("app")

    argv = ["prime", "--datasets", str(datasets), "--from-file", str(history)]
    argv += ["--bootstrap-servers", kafka_bootstrap, "--app-id", app_id]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    # A file is over: its last hours are closed and learnt too.
    assert f"prime: {HISTORY_HOURS} record(s) from {history}, 400 point(s) learnt" in printed
    assert "pegs: 1 series primed, 400 points each on average" in printed
    changelog = changelog_topic(app_id, snapshot_table_name(0))
    [record] = consume(kafka_bootstrap, changelog, 1, timeout_s=30)
    [snapshot] = decode_record(record.value() or b"")
    assert (snapshot.points_seen, snapshot.version) == (400, 1)

    # Run again: the series has a snapshot now, which prime keeps.
    assert main(argv) == 0
    assert "1 kept their own snapshot" in capsys.readouterr().out

    _live(kafka_bootstrap, topics["metrics"], live)

    env = {"DEXWATCH_DATASETS": str(datasets)}
    primed = WorkerProcess(kafka_bootstrap, app_id, topics, tmp_path / "primed", env)
    try:
        primed.wait_until_serving()
        found = _first_anomaly(kafka_bootstrap, topics["anomalies"])
    finally:
        primed.stop()
    [depeg] = found
    assert depeg.interval_start == live
    assert [m.measure for m in depeg.measures] == ["price"]
    assert depeg.model_snapshot_version == 1  # judged by the primed model

    control_topics = topics | {"anomalies": unique_name("control-anomalies")}
    create_topic(kafka_bootstrap, control_topics["anomalies"])
    control = WorkerProcess(
        kafka_bootstrap, unique_name("app"), control_topics, tmp_path / "control", env
    )
    try:
        control.wait_until_serving()
        wait_for(
            lambda: control.metric("dexwatch_events_scored_total") >= 1,
            60,
            "the unprimed worker to score the depeg hour",
        )
        # Counted as the point is judged: no anomaly for it, the model is still warming up.
        assert control.metric("dexwatch_anomalies_produced_total") == 0
        assert control.metric("dexwatch_series_warming") == 1
    finally:
        control.stop()


def test_history_on_the_datasets_own_topic_is_primed_and_not_learnt_twice(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A producer wrote history before any worker ran: prime reads the topic, and the worker
    then reads it again from the beginning; what the primed model learnt is neither judged
    nor learnt again, the hours still open at prime's end are, and the live depeg alerts."""
    topics, datasets = _worker_setup(kafka_bootstrap, unique_name, tmp_path, monkeypatch)
    live = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    with EventProducer(kafka_bootstrap) as producer:
        for event in _history(live - timedelta(hours=HISTORY_HOURS + 1)):
            producer.send(topics["metrics"], event)
    app_id = unique_name("app")

    argv = ["prime", "--datasets", str(datasets), "--from-topic", topics["metrics"]]
    argv += ["--bootstrap-servers", kafka_bootstrap, "--app-id", app_id]
    assert main(argv) == 0
    # The topic goes on: its last two hours stay open (15 minutes of lateness), for the worker.
    assert f"{HISTORY_HOURS} record(s) from topic {topics['metrics']}" in capsys.readouterr().out
    changelog = changelog_topic(app_id, snapshot_table_name(0))
    [record] = consume(kafka_bootstrap, changelog, 1, timeout_s=30)
    [snapshot] = decode_record(record.value() or b"")
    assert snapshot.points_seen == HISTORY_HOURS - 2

    _live(kafka_bootstrap, topics["metrics"], live)
    env = {"DEXWATCH_DATASETS": str(datasets)}
    worker = WorkerProcess(kafka_bootstrap, app_id, topics, tmp_path / "worker", env)
    try:
        worker.wait_until_serving()
        found = _first_anomaly(kafka_bootstrap, topics["anomalies"])
        # Every hour closed so far: the history again, its two open hours, the depeg.
        wait_for(
            lambda: worker.metric("dexwatch_events_scored_total") >= HISTORY_HOURS + 1,
            30,
            "the worker to score the history again and the depeg",
        )
    finally:
        worker.stop()
    [depeg] = found
    assert depeg.interval_start == live
    assert depeg.model_snapshot_version == 1
