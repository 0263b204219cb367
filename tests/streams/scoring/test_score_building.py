"""Score events: one per scored interval of datasets that publish scores, with each measure's
value and level band; every-event datasets publish none unless they ask."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dexwatch.schemas import MetricEvent, decode, encode
from dexwatch.schemas.score_event import ScoreEvent
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings
from tests.series_data import START

TOPIC = "pools.scores"
DATASET = """
datasets:
  - name: pools-5m
    source: {{topic: {topic}}}
    dimensions: [pool]
    measures: [{{name: volume_usd, aggregation: sum}}]
    interval: {interval}
    detector: {{warmup: 50}}
{extra}
"""


def _handler(tmp_path: Path, interval: str = "5m", extra: str = "") -> MetricEventHandler:
    path = tmp_path / "datasets.yaml"
    path.write_text(DATASET.format(topic=TOPIC, interval=interval, extra=extra))
    return MetricEventHandler(WorkerSettings(datasets=path), WorkerMetrics())


def _record(offset: int, minutes: float, volume: float) -> ConsumedRecord:
    event = MetricEvent(
        event_time=START + timedelta(minutes=minutes),
        source="test",
        dimensions={"pool": "p1"},
        measures={"volume_usd": volume},
    )
    return ConsumedRecord(TOPIC, 0, offset, b"p1", encode(event))


def _scores(outputs: list[OutputRecord]) -> list[ScoreEvent]:
    return [decode(ScoreEvent, o.value) for o in outputs if o.topic == "dexwatch.scores"]


def test_each_scored_interval_is_published_with_its_band_and_the_burst_is_outside_it(
    tmp_path: Path,
) -> None:
    handler = _handler(tmp_path)
    values = [100.0 + (step % 7) for step in range(200)]
    values[180] = 5000.0
    records = [_record(step, step * 5, value) for step, value in enumerate(values)]
    scores = _scores(handler.handle_batch(records))
    assert len(scores) == 198  # the last two intervals wait for late events
    assert [s.interval_start for s in scores] == [
        START + timedelta(minutes=5 * step) for step in range(198)
    ]
    assert all(s.values == {"volume_usd": v} for s, v in zip(scores, values, strict=False))
    assert not scores[0].bands  # warming up: no band
    assert all(s.bands for s in scores[60:])
    low, high = scores[150].bands["volume_usd"]
    assert low <= scores[150].values["volume_usd"] <= high
    burst = scores[180]
    assert burst.anomaly
    assert burst.severity > 50
    assert burst.values["volume_usd"] > burst.bands["volume_usd"][1]
    assert sum(s.anomaly for s in scores) <= 3


def test_every_event_datasets_publish_scores_only_when_asked(tmp_path: Path) -> None:
    records = [_record(step, step * 5, 100.0 + step % 3) for step in range(60)]
    quiet = _handler(tmp_path, interval="none")
    assert _scores(quiet.handle_batch(records)) == []
    asked = _handler(tmp_path, interval="none", extra="    publish_scores: true")
    assert len(_scores(asked.handle_batch(records))) == 60
    off = _handler(tmp_path, extra="    publish_scores: false")
    assert _scores(off.handle_batch(records)) == []
