"""The worker's per-record logic, without Kafka: validation, dead letters, anomalies, guard."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from dexwatch.schemas import AnomalyEvent, DeadLetterRecord, anomaly_id, decode, encode
from dexwatch.streams.intake.metric_event_handler import ELEMENT_SLICE, MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings
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
    assert (json_out.dead_letter_reason, schema_out.dead_letter_reason) == (
        "invalid_json",
        "invalid_schema",
    )
    sample = registry.get_sample_value
    assert sample("dexwatch_events_consumed_total") == 2
    # Counted by the sender once written (test_output_sender), not when made.
    assert sample("dexwatch_events_dead_lettered_total", {"reason": "invalid_json"}) == 0


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
    assert registry.get_sample_value("dexwatch_series_warming") == 2  # one point each
    assert dead.dead_letter_reason == "series_limit"


def test_a_changed_measure_set_is_dead_lettered() -> None:
    handler, _ = _handler()
    first = next(iter(pool_events("0x1", 1, seed=1)))
    handler.handle(_record(encode(first)))
    changed = first.model_copy(update={"measures": {"tvl_usd": 1.0}})
    [dead] = handler.handle(_record(encode(changed)))
    assert decode(DeadLetterRecord, dead.value).reason_kind == "measures_mismatch"


def _event(**changes: object) -> bytes:
    event = {
        "event_time": "2026-01-05T00:00:00Z",
        "source": "test",
        "dimensions": {"pool": "0x1"},
        "measures": {"tvl_usd": 1.0},
    }
    return orjson.dumps(event | changes)


def test_an_empty_value_is_dead_lettered_as_empty() -> None:
    handler, _ = _handler()
    [dead] = handler.handle(_record(b"", offset=4))
    letter = decode(DeadLetterRecord, dead.value)
    assert (letter.reason_kind, letter.offset, letter.original) == ("empty", 4, b"")
    assert letter.original_size == 0
    assert "tombstone" in letter.reason


def test_a_large_bad_record_keeps_a_prefix_with_its_size_and_hash() -> None:
    handler, _ = _handler(dead_letter_original_max_bytes=1000)
    payload = b'{"event_time": "' + b"x" * 2_000_000 + b'"}'
    [dead] = handler.handle(_record(payload))
    letter = decode(DeadLetterRecord, dead.value)
    assert letter.original == payload[:1000]
    assert letter.original_size == len(payload)
    assert letter.original_sha256 == hashlib.sha256(payload).hexdigest()
    assert len(dead.value) < 10_000


def test_an_envelope_over_the_cap_is_dead_lettered_whole() -> None:
    handler, registry = _handler(max_envelope_events=3)
    [dead] = handler.handle(_record(b"[" + b",".join([_event()] * 4) + b"]"))
    letter = decode(DeadLetterRecord, dead.value)
    assert letter.reason_kind == "envelope_too_large"
    assert "4 elements" in letter.reason
    assert registry.get_sample_value("dexwatch_events_scored_total") == 0
    assert handler.handle(_record(b"[" + b",".join([_event()] * 3) + b"]")) == []


def test_a_large_envelope_is_handled_in_slices() -> None:
    handler, registry = _handler()
    envelope = b"[" + b",".join([_event()] * (2 * ELEMENT_SLICE + 5)) + b"]"
    outputs: list[OutputRecord] = []
    pauses = sum(1 for _ in handler.handle_in_slices([_record(envelope)], outputs))
    assert pauses == 2
    assert registry.get_sample_value("dexwatch_events_scored_total") == 2 * ELEMENT_SLICE + 5


@pytest.mark.parametrize(
    "event_time", ["9999-12-31T00:00:00Z", "1969-12-31T23:59:59Z", "2026-12-03T00:00:00Z"]
)
def test_an_event_time_outside_the_window_is_dead_lettered(event_time: str) -> None:
    handler, registry = _handler()
    # The window ends a day past the worker's clock: the last case is two days ahead of it.
    handler.clock = lambda: datetime(2026, 12, 1, tzinfo=UTC)
    [dead] = handler.handle(_record(_event(event_time=event_time)))
    letter = decode(DeadLetterRecord, dead.value)
    assert letter.reason_kind == "time_out_of_range"
    assert "outside" in letter.reason
    assert registry.get_sample_value("dexwatch_events_scored_total") == 0


def test_the_window_is_a_setting() -> None:
    handler, _ = _handler(event_times={"earliest": "2026-01-06T00:00:00Z"})
    [dead] = handler.handle(_record(_event()))
    assert decode(DeadLetterRecord, dead.value).reason_kind == "time_out_of_range"


def test_a_record_the_handler_fails_on_is_dead_lettered_and_the_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, registry = _handler()
    route = handler._route

    def failing(record: ConsumedRecord, *args: Any) -> bool:
        if record.offset == 1:
            raise OverflowError("year 10000 is out of range")
        return route(record, *args)

    monkeypatch.setattr(handler, "_route", failing)
    outputs = handler.handle_batch([_record(_event(), offset) for offset in range(3)])
    [dead] = outputs
    letter = decode(DeadLetterRecord, dead.value)
    assert (letter.reason_kind, letter.offset) == ("handling_error", 1)
    assert "year 10000" in letter.reason
    assert registry.get_sample_value("dexwatch_events_scored_total") == 2


ENGINE = {"faust", "mode"}


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("dexwatch.streams.intake.metric_event_handler", {*ENGINE, "aiokafka", "confluent_kafka"}),
        ("dexwatch.streams.snapshots", {*ENGINE, "aiokafka", "confluent_kafka"}),
        # confluent_kafka comes in with messaging.topics' changelog_topic (beside topic creation)
        ("dexwatch.streams.incidents", {*ENGINE, "aiokafka"}),
        ("dexwatch.streams.engine.base", {*ENGINE, "aiokafka", "confluent_kafka"}),
    ],
)
def test_a_module_free_of_the_engine_loads_none(module: str, forbidden: set[str]) -> None:
    """Checked at run time, in a fresh interpreter: import-linter sees imports, not what a
    package's `__init__` pulls in through them."""
    probe = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert module in loaded  # the probe ran
    found = {name for name in loaded if name.split(".")[0] in forbidden}
    assert not found, sorted(found)[:10]
