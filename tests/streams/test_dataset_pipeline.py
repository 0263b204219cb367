"""The worker's batch path over configured datasets, without Kafka: intervals to anomalies."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from prometheus_client import CollectorRegistry

from dexwatch.schemas import AnomalyEvent, DeadLetterRecord, MetricEvent, decode, encode
from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.datasets import config_hash
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings
from tests.series_data import START

TOPIC = "pools.hourly"
HOURLY = f"""
datasets:
  - name: pools-5m
    source: {{topic: {TOPIC}}}
    dimensions: [pool]
    measures:
      - {{name: volume_usd, aggregation: sum}}
      - {{name: trades, field: volume_usd, aggregation: count}}
    interval: 5m
    allowed_lateness: 1m
    no_data: true
    detector: {{warmup: 100}}
"""


def _handler(tmp_path: Path, text: str = HOURLY) -> tuple[MetricEventHandler, CollectorRegistry]:
    path = tmp_path / "datasets.yaml"
    path.write_text(text)
    metrics = WorkerMetrics()
    return MetricEventHandler(WorkerSettings(datasets=path), metrics), metrics.registry


def _record(offset: int, minutes: float, volume: float, pool: str = "p1") -> ConsumedRecord:
    event = MetricEvent(
        event_time=START + timedelta(minutes=minutes),
        source="test",
        dimensions={"pool": pool, "dex": "demo"},
        measures={"volume_usd": volume},
    )
    return ConsumedRecord(TOPIC, 0, offset, pool.encode(), encode(event))


def _anomalies(outputs: list[OutputRecord]) -> list[AnomalyEvent]:
    return [
        decode(AnomalyEvent, output.value)
        for output in outputs
        if output.topic == "dexwatch.anomalies"
    ]


def test_intervals_are_aggregated_scored_and_a_burst_is_an_anomaly_with_its_offsets(
    tmp_path: Path,
) -> None:
    handler, registry = _handler(tmp_path)
    records: list[ConsumedRecord] = []
    for step in range(300):  # two events per 5-minute interval, 150 intervals
        volume = 100.0 + (step % 7)
        records.append(_record(len(records), step * 2.5, volume))
    burst_offsets = []
    for extra in range(4):  # interval 150 gets a burst of trades
        burst_offsets.append(len(records))
        records.append(_record(len(records), 150 * 5 + extra, 5000.0))
    records.append(_record(len(records), 152 * 5, 100.0))  # closes interval 150
    outputs = handler.handle_batch(records[:200]) + handler.handle_batch(records[200:])
    [anomaly] = _anomalies(outputs)
    assert anomaly.interval_start == START + timedelta(minutes=150 * 5)
    assert anomaly.interval_end == START + timedelta(minutes=151 * 5)
    assert anomaly.kind == "anomaly"
    assert {move.measure for move in anomaly.measures} >= {"volume_usd"}
    assert anomaly.config_hash == config_hash(handler.datasets[0].dataset)
    assert [(o.topic, o.partition, o.first, o.last) for o in anomaly.source_offsets] == [
        (TOPIC, 0, burst_offsets[0], burst_offsets[-1])
    ]
    assert "volume_usd" in anomaly.explanation
    scored = registry.get_sample_value("dexwatch_events_scored_total")
    assert scored == 151  # intervals 0..150 closed; 151 is still open
    assert registry.get_sample_value("dexwatch_events_consumed_total") == len(records)


def test_a_late_event_is_dead_lettered_and_counted(tmp_path: Path) -> None:
    handler, registry = _handler(tmp_path)
    handler.handle_batch([_record(0, 0, 1.0), _record(1, 20, 1.0)])  # closes 0..10 min
    [dead] = handler.handle_batch([_record(2, 1, 1.0)])
    letter = decode(DeadLetterRecord, dead.value)
    assert (letter.reason_kind, letter.offset) == ("late", 2)
    assert "pools-5m" in letter.reason
    assert registry.get_sample_value("dexwatch_events_late_total", {"dataset": "pools-5m"}) == 1
    assert dead.dead_letter_reason == "late"


def test_a_silent_series_becomes_a_no_data_anomaly(tmp_path: Path) -> None:
    handler, registry = _handler(tmp_path)
    handler.handle_batch([_record(0, 0, 1.0, pool="quiet"), _record(1, 0, 1.0, pool="busy")])
    outputs = handler.handle_batch(
        [_record(2 + step, 5 * step, 1.0, pool="busy") for step in range(1, 5)]
    )
    gaps = [anomaly for anomaly in _anomalies(outputs) if anomaly.kind == "no_data"]
    assert [gap.series for gap in gaps] == ["pool=quiet"] * len(gaps)
    assert gaps
    assert gaps[0].interval_start == START + timedelta(minutes=5)
    assert gaps[0].measures == []
    assert registry.get_sample_value("dexwatch_anomalies_total", {"severity_band": "no_data"})


def test_a_missing_dimension_and_an_unknown_topic_are_dead_lettered(tmp_path: Path) -> None:
    handler, _ = _handler(tmp_path)
    no_pool = MetricEvent(
        event_time=START, source="t", dimensions={"dex": "demo"}, measures={"volume_usd": 1.0}
    )
    [missing] = handler.handle_batch([ConsumedRecord(TOPIC, 0, 0, None, encode(no_pool))])
    assert decode(DeadLetterRecord, missing.value).reason_kind == "missing_dimension"
    [stray] = handler.handle_batch([ConsumedRecord("elsewhere", 0, 0, None, orjson.dumps({}))])
    assert decode(DeadLetterRecord, stray.value).reason_kind == "unknown_topic"


def test_events_no_dataset_selects_are_counted_not_lost(tmp_path: Path) -> None:
    text = HOURLY.replace(
        f"source: {{topic: {TOPIC}}}",
        f"source: {{topic: {TOPIC}, filter: {{dimensions: {{dex: other}}}}}}",
    )
    handler, registry = _handler(tmp_path, text)
    assert handler.handle_batch([_record(0, 0, 1.0)]) == []
    assert registry.get_sample_value("dexwatch_events_unmatched_total") == 1


def test_two_formats_on_one_topic_fail_at_start_up(tmp_path: Path) -> None:
    text = (
        HOURLY
        + f"""
  - name: swaps
    source: {{topic: {TOPIC}, format: dex_transaction}}
    dimensions: [pool]
    measures: [{{name: swaps, aggregation: count}}]
    interval: 1m
"""
    )
    with pytest.raises(ConfigError, match="two formats"):
        _handler(tmp_path, text)


def test_the_shipped_datasets_run_together_in_one_worker() -> None:
    folder = Path(__file__).resolve().parents[2] / "deploy" / "datasets"
    handler = MetricEventHandler(WorkerSettings(datasets=folder), WorkerMetrics())
    assert {runtime.dataset.name for runtime in handler.datasets} == {
        "generic",
        "stablecoin-pegs",
        "swaps-per-pool-per-minute",
        "uniswap-v3-pools-hourly",
    }
    assert set(handler.topics) == {"dexwatch.metrics", "dexwatch.dex-transactions"}


def test_a_batch_record_is_scored_element_by_element_and_a_bad_element_refused_alone(
    tmp_path: Path,
) -> None:
    handler, registry = _handler(tmp_path)
    good = [orjson.loads(_record(0, minutes, 1.0).value) for minutes in (0, 1, 2)]
    bad = {"event_time": "2026-01-05T00:00:00Z", "source": "t", "measures": {"volume_usd": "x"}}
    payload = orjson.dumps([good[0], bad, good[1], good[2]])
    [dead] = handler.handle_batch([ConsumedRecord(TOPIC, 1, 9, b"k", payload)])
    letter = decode(DeadLetterRecord, dead.value)
    assert letter.reason.startswith("[1] ")
    assert orjson.loads(letter.original) == bad
    assert letter.offset == 9
    assert handler.datasets[0].aggregator.counts.accepted == 3
    assert registry.get_sample_value("dexwatch_events_consumed_total") == 1
