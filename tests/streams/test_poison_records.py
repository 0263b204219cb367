"""Poison records against the real broker: each bad record sits between good ones on one
partition, and every good record is scored, every bad one dead-lettered with its reason,
and the partition is committed to its end with the worker still running: nothing is lost.

Before, a tombstone crashed the agent (`len(None)`) and a 2 MB bad record made a dead letter
over the 1 MiB request limit; faust restarted the agent and committed past the batch, good
records with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from dexwatch.schemas import DeadLetterRecord, decode, encode
from tests.series_data import pool_events
from tests.support.kafka_helpers import (
    ProducedRecord,
    committed_offsets,
    consume_until,
    create_topic,
    produce_records,
    wait_for,
)
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

BIG = 3 * 1024 * 1024  # the metrics topic takes the 2 MB record
KEY = b"chain=ethereum,dex=uniswap-v3,pool=0xpoison"
GOOD_PER_GAP = 20
ENVELOPE_EVENTS = 2_500  # a good batch record, over two slices of the handler


def _bad_records() -> dict[str, bytes | None]:
    """Reason kind -> the bad record's value."""
    year_9999 = {
        "event_time": "9999-12-31T00:00:00Z",
        "source": "test",
        "dimensions": {"pool": "0xpoison"},
        "measures": {"tvl_usd": 1.0},
    }
    return {
        "empty": None,  # a tombstone
        "invalid_schema": b'{"source": "' + b"s" * 2_000_000 + b'"}',  # 2 MB
        "envelope_too_large": b"[" + b",".join([b"{}"] * 100_000) + b"]",
        "time_out_of_range": orjson.dumps(year_9999),
        "invalid_json": b'{"event_time": "2026-01-05T00:00:00Z", "source": "s", '
        b'"measures": {"x": 1e309}}',  # a number that overflows to infinity
    }


@pytest.fixture
def poisoned_worker(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> Iterator[WorkerProcess]:
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter")}
    create_topic(kafka_bootstrap, topics["metrics"], config={"max.message.bytes": str(BIG)})
    for kind in ("anomalies", "dead_letter"):
        create_topic(kafka_bootstrap, topics[kind])
    process = WorkerProcess(kafka_bootstrap, unique_name("app"), topics, tmp_path / "worker")
    try:
        process.wait_until_serving()
        yield process
    finally:
        process.stop()


def test_every_record_is_accounted_for_whatever_it_holds(
    kafka_bootstrap: str, poisoned_worker: WorkerProcess
) -> None:
    worker = poisoned_worker
    events = iter(pool_events("0xpoison", 10_000, seed=7))
    bad = _bad_records()
    records: list[ProducedRecord] = []
    good = 0

    def good_records(count: int) -> None:
        nonlocal good
        for _ in range(count):
            records.append(ProducedRecord(KEY, encode(next(events))))
            good += 1

    good_records(GOOD_PER_GAP)
    for value in bad.values():
        records.append(ProducedRecord(KEY, value))
        good_records(GOOD_PER_GAP)
    envelope = [orjson.loads(encode(next(events))) for _ in range(ENVELOPE_EVENTS)]
    records.append(ProducedRecord(KEY, orjson.dumps(envelope)))
    good += ENVELOPE_EVENTS
    good_records(GOOD_PER_GAP)
    produce_records(
        kafka_bootstrap, worker.topics["metrics"], records, {"message.max.bytes": BIG + 4096}
    )

    # Every good event scored (the envelope's each), while the worker keeps running...
    wait_for(
        lambda: worker.metric("dexwatch_events_scored_total") >= good,
        120,
        f"the worker to score all {good} good events",
    )
    assert worker.metric("dexwatch_events_consumed_total") == len(records)
    assert worker.metric("dexwatch_events_scored_total") == good
    assert worker.process.poll() is None, f"the worker must still run:\n{worker.log_tail()}"

    # ...every bad record in the dead-letter topic with its reason, a prefix of its value,
    # its size and its hash...
    dead = [
        decode(DeadLetterRecord, message.value() or b"")
        for message in consume_until(
            kafka_bootstrap, worker.topics["dead_letter"], lambda found: len(found) >= 5, 60
        )
    ]
    by_kind = {letter.reason_kind: letter for letter in dead}
    assert sorted(by_kind) == sorted(bad), [(d.reason_kind, d.reason) for d in dead]
    assert len(dead) == len(bad)
    for kind, value in bad.items():
        letter = by_kind[kind]
        whole = value or b""
        assert letter.original_size == len(whole), kind
        assert letter.original_sha256 == hashlib.sha256(whole).hexdigest(), kind
        assert letter.original == whole[: 64 * 1024], kind
        assert letter.topic == worker.topics["metrics"]
        assert worker.metric("dexwatch_events_dead_lettered_total", reason=kind) == 1, kind
    assert "100000 elements" in by_kind["envelope_too_large"].reason
    assert "9999-12-31" in by_kind["time_out_of_range"].reason
    assert (
        worker.metric("dexwatch_output_write_failures_total", output="dead_letter", error="broker")
        == 0
    )

    # ...and the partition is committed to its end: nothing is left behind or skipped.
    places = {(letter.partition, letter.offset) for letter in dead}
    assert len(places) == len(bad), "one dead letter per bad record"
    [partition] = {where for where, _ in places}
    assert partition is not None
    wait_for(
        lambda: (
            committed_offsets(
                kafka_bootstrap, worker.app_id, worker.topics["metrics"], [partition]
            ).get(partition)
            == len(records)
        ),
        60,
        "the worker to commit the partition to its end",
    )
