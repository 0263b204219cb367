"""The thin slice end to end, against the real broker and a real worker process."""

from __future__ import annotations

import orjson
import pytest

from dexwatch.schemas import AnomalyEvent, DeadLetterRecord, decode, encode
from tests.series_data import START, STEP, pool_events
from tests.support.kafka_helpers import consume_until, produce, wait_for
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

POOLS = ("0xaaa1", "0xbbb2", "0xccc3")
STEPS = 720
SPIKE_POOL, SPIKE_STEP = "0xbbb2", 700
MALFORMED = b'{"event_time": "2026-01-05T00:00:00Z", "source": "broken'
SCHEMA_INVALID = orjson.dumps(
    {
        "event_time": "2026-01-05T00:00:00Z",
        "source": "test",
        "dimensions": {"pool": "0xaaa1"},
        "measures": {"tvl_usd": "12"},
    }
)


def _records(steps: range) -> list[tuple[bytes | None, bytes]]:
    records: list[tuple[bytes | None, bytes]] = []
    for index, pool in enumerate(POOLS):
        spikes = frozenset({SPIKE_STEP}) if pool == SPIKE_POOL else frozenset()
        for event in list(pool_events(pool, STEPS, seed=index, spikes=spikes))[
            steps.start : steps.stop
        ]:
            records.append((event.series_key.encode(), encode(event)))
    return records


def test_anomaly_and_dead_letters_end_to_end(kafka_bootstrap: str, worker: WorkerProcess) -> None:
    topics = worker.topics
    first_half = _records(range(0, 500))
    second_half = _records(range(500, STEPS))
    produce(kafka_bootstrap, topics["metrics"], first_half)
    produce(kafka_bootstrap, topics["metrics"], [(b"bad-1", MALFORMED), (b"bad-2", SCHEMA_INVALID)])
    produce(kafka_bootstrap, topics["metrics"], second_half)
    total = len(first_half) + 2 + len(second_half)

    # The worker goes on after the bad records: it consumes every one of them...
    wait_for(
        lambda: worker.metric("dexwatch_events_consumed_total") >= total,
        120,
        f"the worker to consume all {total} events",
    )
    assert worker.metric("dexwatch_events_scored_total") == total - 2

    # ...the bad ones are on the dead-letter topic, whole, with their reasons...
    dead = [
        decode(DeadLetterRecord, message.value() or b"")
        for message in consume_until(
            kafka_bootstrap, topics["dead_letter"], lambda found: len(found) >= 2, 30
        )
    ]
    by_kind = {record.reason_kind: record for record in dead}
    assert set(by_kind) == {"invalid_json", "invalid_schema"}
    assert by_kind["invalid_json"].original == MALFORMED
    assert by_kind["invalid_schema"].original == SCHEMA_INVALID
    assert "measures.tvl_usd" in by_kind["invalid_schema"].reason
    assert by_kind["invalid_json"].topic == topics["metrics"]
    assert worker.metric("dexwatch_events_dead_lettered_total", reason="invalid_json") == 1
    assert worker.metric("dexwatch_events_dead_lettered_total", reason="invalid_schema") == 1

    # ...and the one anomalous point is on the anomalies topic, for the right series only.
    spike_time = START + SPIKE_STEP * STEP
    anomalies = [
        decode(AnomalyEvent, message.value() or b"")
        for message in consume_until(
            kafka_bootstrap,
            topics["anomalies"],
            lambda found: any(b"0xbbb2" in (message.key() or b"") for message in found),
            30,
        )
    ]
    assert [(a.dimensions["pool"], a.interval_start) for a in anomalies] == [
        (SPIKE_POOL, spike_time)
    ]
    spike = anomalies[0]
    assert {move.measure for move in spike.measures} >= {"volume_usd", "tx_count"}
    assert spike.measures[0].value > spike.measures[0].expected_high
    assert spike.severity >= 50
    # It names the input record behind it: one record, on the spike series' partition.
    [offsets] = spike.source_offsets
    assert offsets.topic == topics["metrics"]
    assert offsets.first == offsets.last
    assert spike.kind == "anomaly"
    assert len(spike.config_hash) == 16
    assert "volume_usd" in spike.explanation
    assert worker.metric("dexwatch_anomalies_produced_total") == 1
    assert worker.metric("dexwatch_processing_latency_seconds_count") == 1
    assert worker.process.poll() is None, "the worker must still be running"
