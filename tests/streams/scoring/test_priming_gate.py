"""Points older than a dataset's `alert_after` train the model and page nobody (no Kafka)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from pathlib import Path

from dexwatch.schemas import AnomalyEvent, decode, encode
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings
from tests.series_data import START, STEP, pool_events

TOPIC = "pools"
SPIKE = 710
STEPS = 720


def _handler(tmp_path: Path, now: datetime, alert_after: str | None) -> MetricEventHandler:
    path = tmp_path / "datasets.yaml"
    extra = f"\n    alert_after: {alert_after}" if alert_after else ""
    path.write_text(
        f"""
datasets:
  - name: pools
    source: {{topic: {TOPIC}}}
    dimensions: [pool]
    measures: "*"
    interval: none{extra}
"""
    )
    return MetricEventHandler(WorkerSettings(datasets=path), WorkerMetrics(), clock=lambda: now)


def _run(handler: MetricEventHandler) -> list[AnomalyEvent]:
    events = pool_events("0xfeed", STEPS, seed=4, spikes=frozenset({SPIKE}))
    outputs = [
        output
        for offset, event in enumerate(events)
        for output in handler.handle(ConsumedRecord(TOPIC, 0, offset, b"k", encode(event)))
    ]
    return [decode(AnomalyEvent, o.value) for o in outputs if o.topic == "dexwatch.anomalies"]


def _sample(handler: MetricEventHandler, name: str, **labels: str) -> float:
    return handler.metrics.registry.get_sample_value(name, labels) or 0.0


def test_without_alert_after_the_spike_alerts(tmp_path: Path) -> None:
    handler = _handler(tmp_path, START + STEPS * STEP, None)
    [anomaly] = _run(handler)
    assert anomaly.interval_start == START + SPIKE * STEP
    assert _sample(handler, "dexwatch_points_primed_total", dataset="pools") == 0


def test_history_older_than_alert_after_is_learnt_and_counted_not_paged(tmp_path: Path) -> None:
    # The clock stands a day after the last point: every point is older than 1h.
    handler = _handler(tmp_path, START + STEPS * STEP + timedelta(days=1), "1h")
    assert _run(handler) == []
    assert _sample(handler, "dexwatch_points_primed_total", dataset="pools") == STEPS
    assert _sample(handler, "dexwatch_events_scored_total") == STEPS
    assert _sample(handler, "dexwatch_anomalies_produced_total") == 0


def test_points_newer_than_alert_after_page_as_before(tmp_path: Path) -> None:
    # now - 1h falls between the spike and the point before it: the spike is live.
    now = START + SPIKE * STEP + timedelta(hours=1) - timedelta(seconds=1)
    handler = _handler(tmp_path, now, "1h")
    [anomaly] = _run(handler)
    assert anomaly.interval_start == START + SPIKE * STEP
    assert _sample(handler, "dexwatch_points_primed_total", dataset="pools") == SPIKE


def test_a_gap_in_history_sends_no_no_data_signal(tmp_path: Path) -> None:
    path = tmp_path / "datasets.yaml"
    path.write_text(
        f"""
datasets:
  - name: hourly
    source: {{topic: {TOPIC}}}
    dimensions: [pool]
    measures: [{{name: volume_usd, aggregation: sum}}]
    interval: 1h
    no_data: true
    alert_after: 6h
"""
    )
    hours = [0, 1, 2, 5, 6, 8]  # hours 3 and 4 missing; hour 8 closes hours 0 to 6
    for now, signals in ((START + timedelta(days=30), 0), (START + timedelta(hours=8), 2)):
        handler = MetricEventHandler(
            WorkerSettings(datasets=path), WorkerMetrics(), clock=functools.partial(_at, now)
        )
        outputs = [
            output
            for offset, hour in enumerate(hours)
            for output in handler.handle(ConsumedRecord(TOPIC, 0, offset, b"k", _hourly(hour)))
        ]
        gaps = [decode(AnomalyEvent, o.value) for o in outputs if o.topic == "dexwatch.anomalies"]
        assert [gap.kind for gap in gaps] == ["no_data"] * signals


def _at(now: datetime) -> datetime:
    return now


def _hourly(hour: int) -> bytes:
    event = next(iter(pool_events("0xfeed", 1, seed=1)))
    moved = event.model_copy(update={"event_time": START + timedelta(hours=hour)})
    return encode(moved)
