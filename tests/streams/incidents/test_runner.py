"""The worker's side of incidents without faust: state bytes in and out, metrics, ticks."""

from __future__ import annotations

import pytest

from dexwatch.schemas import encode
from dexwatch.streams.incidents.inputs import Tick
from dexwatch.streams.incidents.runner import BROADCAST_S, IncidentRunner
from dexwatch.streams.incidents.state import decode_state
from dexwatch.streams.metrics import WorkerMetrics
from tests.streams.incidents.anomalies import START, STEP, anomaly, pool
from tests.streams.incidents.books import WAIT, dataset


def sample(metrics: WorkerMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_anomalies_become_incidents_with_state_and_metrics() -> None:
    metrics = WorkerMetrics()
    runner = IncidentRunner([dataset(min_severity=60)], metrics)
    first = runner.handle("pools", "anomaly", encode(anomaly(pool("0xa", "A-B"))), None, 3, 0.0)
    assert first.events == []
    assert first.state is not None
    assert len(decode_state(first.state).pending) == 1
    low = encode(anomaly(pool("0xb", "C-D"), severity=10))
    second = runner.handle("pools", "anomaly", low, first.state, 3, 0.5)
    tick = encode(Tick(watermark=START + STEP))
    done = runner.handle("pools", "tick", tick, second.state, 3, WAIT)
    [opened] = done.events
    assert opened.status == "open"
    assert sample(metrics, "dexwatch_incidents_open", dataset="pools") == 1
    assert sample(metrics, "dexwatch_incident_events_total", dataset="pools", status="open") == 1
    labels = {"dataset": "pools", "reason": "below_severity"}
    assert sample(metrics, "dexwatch_anomalies_suppressed_total", **labels) == 1
    later = encode(Tick(watermark=START + 2 * STEP))
    again = runner.handle("pools", "tick", later, done.state, 3, WAIT + 1)
    assert again.state is None  # only the clock moved: nothing to write
    runner.revoked({3})
    assert sample(metrics, "dexwatch_incidents_open", dataset="pools") == 0


def test_other_datasets_and_bad_inputs_change_nothing(caplog: pytest.LogCaptureFixture) -> None:
    runner = IncidentRunner([dataset()], WorkerMetrics())
    assert runner.handle("other", "anomaly", b"{}", None, 0, 0.0).events == []
    assert runner.handle("pools", "tick", encode(Tick()), None, 0, 0.0).state is None
    assert runner.handle("pools", None, b"{}", None, 0, 0.0).state is None
    refused = runner.handle("pools", "anomaly", b"not json", None, 0, 0.0)
    assert refused.events == []
    assert "refused" in caplog.text
    unreadable = runner.handle("pools", "tick", encode(Tick()), b'{"format_version": 9}', 0, 1.0)
    assert unreadable.state is not None  # started afresh
    assert "unreadable incident state" in caplog.text
    disabled = IncidentRunner([dataset(enabled=False)], WorkerMetrics())
    assert disabled.datasets == {}


def test_ticks_go_to_owned_busy_datasets_moved_watermarks_and_everyone_now_and_then() -> None:
    runner = IncidentRunner([dataset()], WorkerMetrics())
    assert [name for name, _ in runner.due_ticks({}, 0.0)] == ["pools"]  # the first broadcast
    assert runner.due_ticks({}, 1.0) == []
    [(_, moved)] = runner.due_ticks({"pools": START}, 2.0)
    assert moved == encode(Tick(watermark=START))
    assert runner.due_ticks({"pools": START}, 3.0) == []
    runner.handle("pools", "anomaly", encode(anomaly(pool("0xa", "A-B"))), None, 1, 3.0)
    assert len(runner.due_ticks({"pools": START}, 3.5)) == 1  # a pending window: owned, busy
    runner.revoked({1})
    assert runner.due_ticks({"pools": START}, 4.0) == []
    assert len(runner.due_ticks({"pools": START}, BROADCAST_S + 1)) == 1
    runner.broadcast_soon()
    assert len(runner.due_ticks({"pools": START}, BROADCAST_S + 2)) == 1
