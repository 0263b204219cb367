"""The worker's per-record logic, without Kafka: validation, dead letters, anomalies, guard."""

from __future__ import annotations

import orjson
from prometheus_client import CollectorRegistry

from schemas import AnomalyEvent, DeadLetterRecord, anomaly_id, decode, encode
from streams.metric_event_handler import MetricEventHandler
from streams.metrics import WorkerMetrics
from streams.records import ConsumedRecord
from streams.settings import WorkerSettings
from tests.series_data import START, STEP, pool_events


def _handler(**settings: object) -> tuple[MetricEventHandler, CollectorRegistry]:
    metrics = WorkerMetrics()
    return MetricEventHandler(WorkerSettings.model_validate(settings), metrics), metrics.registry


def _record(value: bytes, offset: int = 0) -> ConsumedRecord:
    return ConsumedRecord("dexwatch.metrics", 3, offset, b"k", value)


def test_bad_records_become_dead_letters_with_reasons() -> None:
    handler, registry = _handler()
    [json_out] = handler.handle(_record(b"\xff\xfe not json", offset=7))
    [schema_out] = handler.handle(_record(orjson.dumps({"source": "x", "measures": {}})))
    assert json_out.topic == schema_out.topic == "dexwatch.dead-letter"
    bad_json = decode(DeadLetterRecord, json_out.value)
    assert (bad_json.reason_kind, bad_json.offset, bad_json.partition) == ("invalid_json", 7, 3)
    assert bad_json.original == b"\xff\xfe not json"
    bad_schema = decode(DeadLetterRecord, schema_out.value)
    assert bad_schema.reason_kind == "invalid_schema"
    assert "event_time" in bad_schema.reason
    assert "measures" in bad_schema.reason
    sample = registry.get_sample_value
    assert sample("dexwatch_events_consumed_total") == 2
    assert sample("dexwatch_events_dead_lettered_total", {"reason": "invalid_json"}) == 1
    assert sample("dexwatch_events_dead_lettered_total", {"reason": "invalid_schema"}) == 1


def test_a_spike_becomes_one_anomaly_with_a_deterministic_id() -> None:
    handler, registry = _handler(dataset="pools")
    outputs = [
        (event, output)
        for event in pool_events("0xfeed", 720, seed=4, spikes=frozenset({710}))
        for output in handler.handle(_record(encode(event)))
    ]
    assert len(outputs) == 1
    event, output = outputs[0]
    assert output.topic == "dexwatch.anomalies"
    assert output.key == event.series_key.encode()
    anomaly = decode(AnomalyEvent, output.value)
    assert anomaly.interval_start == START + 710 * STEP
    assert anomaly.anomaly_id == anomaly_id(
        "pools", event.series_key, event.event_time, anomaly.detector_version
    )
    assert registry.get_sample_value("dexwatch_anomalies_produced_total") == 1
    assert registry.get_sample_value("dexwatch_events_scored_total") == 720


def test_cardinality_guard_dead_letters_new_series_and_counts_them() -> None:
    handler, registry = _handler(max_series=2)
    events = [next(iter(pool_events(f"0x{n}", 1, seed=n))) for n in range(3)]
    outputs = [output for event in events for output in handler.handle(_record(encode(event)))]
    assert handler.series_count == 2
    [dead] = outputs
    record = decode(DeadLetterRecord, dead.value)
    assert record.reason_kind == "series_limit"
    assert "max_series=2" in record.reason
    assert registry.get_sample_value("dexwatch_series_live") == 2
    assert (
        registry.get_sample_value("dexwatch_events_dead_lettered_total", {"reason": "series_limit"})
        == 1
    )


def test_a_changed_measure_set_is_dead_lettered() -> None:
    handler, _ = _handler()
    first = next(iter(pool_events("0x1", 1, seed=1)))
    handler.handle(_record(encode(first)))
    changed = first.model_copy(update={"measures": {"tvl_usd": 1.0}})
    [dead] = handler.handle(_record(encode(changed)))
    assert decode(DeadLetterRecord, dead.value).reason_kind == "measures_mismatch"
