"""Drift decisions inside the worker's batch path, without Kafka: retrain, escalate, step down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from dexwatch.schemas import MetricEvent, decode, encode
from dexwatch.schemas.model_action import ModelActionEvent
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.snapshots.store import Snapshot
from tests.support.kafka_helpers import consume_until, create_topic, produce, wait_for
from tests.support.worker_process import WorkerProcess

TOPIC = "drift.in"
START = datetime(2026, 3, 2, tzinfo=UTC)
BEFORE, AFTER = 300, 200
_DATASETS = """
datasets:
  - name: drifting
    source: {{topic: {topic}}}
    dimensions: [pool]
    measures: [{{name: tvl, aggregation: last}}, {{name: volume, aggregation: last}}]
    interval: none
    high_impact_measures: {high_impact}
    detector: {{warmup: 50}}
    drift:
      enabled: true
      retrain_points: {retrain_points}
      hold_after_anomaly: 1h
      # Points only: 500 minutes are less than the day a reference spans by default.
      monitor: {{reference_hours: 0, settle_hours: 0}}
"""


def _handler(
    tmp_path: Path, retrain_points: int = 50, high_impact: str = "[]"
) -> tuple[MetricEventHandler, CollectorRegistry]:
    path = tmp_path / "drift.yaml"
    path.write_text(
        _DATASETS.format(topic=TOPIC, high_impact=high_impact, retrain_points=retrain_points)
    )
    metrics = WorkerMetrics()
    return MetricEventHandler(WorkerSettings(datasets=path), metrics), metrics.registry


def _records(tvl_shift: float, volume_shift: float) -> list[ConsumedRecord]:
    rng = np.random.default_rng(3)
    records = []
    for step in range(BEFORE + AFTER):
        after = step >= BEFORE
        event = MetricEvent(
            event_time=START + timedelta(minutes=step),
            source="test",
            dimensions={"pool": "p1"},
            measures={
                "tvl": 1000.0 * (1 + 0.01 * rng.normal() + (tvl_shift if after else 0.0)),
                "volume": 50.0 * (1 + 0.05 * rng.normal() + (volume_shift if after else 0.0)),
            },
        )
        records.append(ConsumedRecord(TOPIC, 0, step, b"p1", encode(event)))
    return records


def _actions(outputs: list[OutputRecord]) -> list[ModelActionEvent]:
    return [
        decode(ModelActionEvent, output.value)
        for output in outputs
        if output.topic == "dexwatch.model-actions"
    ]


def test_a_large_shift_retrains_the_series(tmp_path: Path) -> None:
    handler, registry = _handler(tmp_path)
    outputs = handler.handle_batch(_records(tvl_shift=0.0, volume_shift=2.0))
    actions = _actions(outputs)
    assert actions, "a 40-sd shift of volume must lead to a decision"
    first = actions[0]
    assert (first.decided_action, first.applied_action) == ("retrain", "retrain")
    assert first.at >= START + timedelta(minutes=BEFORE)
    assert first.measure_drift["volume"] > 0.5
    assert "volume" in first.reason
    assert registry.get_sample_value("dexwatch_drift_decisions_total", {"action": "retrain"})
    # The shift's onset is an anomaly: drift waited out the hold after it, and said so.
    labels = {"dataset": "drifting", "reason": "hold"}
    assert registry.get_sample_value("dexwatch_drift_held_total", labels) == 1
    assert first.at >= START + timedelta(minutes=BEFORE + 60)


def test_a_drifting_high_impact_measure_raises_the_decision(tmp_path: Path) -> None:
    plain, _ = _handler(tmp_path)
    escalating, _ = _handler(tmp_path, high_impact="[tvl]")
    # TVL moves about 1 sd: its own drift, not yet the model's scores, decides.
    records = _records(tvl_shift=0.01, volume_shift=0.0)
    unescalated = {action.at: action for action in _actions(plain.handle_batch(records))}
    [escalated, *_] = _actions(escalating.handle_batch(records))
    assert escalated.escalated_by == ["tvl"]
    # One step above what the same series decided at the same point without the escalation.
    same_point = unescalated.get(escalated.at)
    below = same_point.decided_action if same_point is not None else "none"
    order = ["none", "alert", "rollback", "retrain"]
    assert order.index(escalated.decided_action) == order.index(below) + 1


def test_a_failing_retrain_steps_down_to_rollback_then_alert(tmp_path: Path) -> None:
    records = _records(tvl_shift=0.0, volume_shift=2.0)
    # Too few recent points for a retrain, and no snapshot: down to an alert.
    handler, registry = _handler(tmp_path, retrain_points=5000)
    [first, *_] = _actions(handler.handle_batch(records))
    assert first.decided_action == "retrain"
    assert [(a.action, a.succeeded) for a in first.attempts] == [
        ("retrain", False),
        ("rollback", False),
        ("alert", True),
    ]
    assert first.applied_action == "alert"
    assert registry.get_sample_value("dexwatch_drift_action_failures_total", {"action": "retrain"})
    # With a snapshot from before the drift, the rollback takes effect.
    handler, _ = _handler(tmp_path, retrain_points=5000)
    runtime = handler.datasets[0]
    kept: list[Snapshot] = []
    handler.handle_batch(records[:BEFORE])
    state = runtime.scorer.state_of("pool=p1")
    assert state is not None
    kept.append(Snapshot(state[0], START, state[1], state[2]))
    runtime.restore_from(lambda key: kept)
    [rolled, *_] = _actions(handler.handle_batch(records[BEFORE:]))
    assert [(a.action, a.succeeded) for a in rolled.attempts] == [
        ("retrain", False),
        ("rollback", True),
    ]
    assert rolled.applied_action == "rollback"


@pytest.mark.kafka
def test_a_worker_publishes_its_drift_decisions(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topics = {kind: unique_name(kind) for kind in ("anomalies", "dead_letter", "model_actions")}
    source = unique_name("drift-in")
    for topic in (*topics.values(), source):
        create_topic(kafka_bootstrap, topic)
    datasets = tmp_path / "drift.yaml"
    datasets.write_text(_DATASETS.format(topic=source, high_impact="[]", retrain_points=50))
    worker = WorkerProcess(
        kafka_bootstrap,
        unique_name("app"),
        topics,
        tmp_path / "worker",
        {"DEXWATCH_DATASETS": str(datasets)},
    )
    try:
        worker.wait_until_serving()
        records = _records(tvl_shift=0.0, volume_shift=2.0)
        produce(kafka_bootstrap, source, [(record.key, record.value) for record in records])
        [message, *_] = consume_until(
            kafka_bootstrap, topics["model_actions"], lambda found: len(found) >= 1, 60
        )
        event = decode(ModelActionEvent, message.value() or b"")
        assert (event.series, event.applied_action) == ("pool=p1", "retrain")
        wait_for(
            lambda: worker.metric("dexwatch_drift_decisions_total", action="retrain") >= 1,
            30,
            "the decision in the worker's metrics",
        )
    finally:
        worker.stop()
