"""Whole cycles: restarts neither miss nor repeat, bad upstream rows are dead-lettered, Kafka."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from pydantic import BaseModel

from dexwatch.connectors.kafka_producer import ProducerError
from dexwatch.connectors.thegraph import KafkaRecordSink, TheGraphConnector, TheGraphMetrics
from dexwatch.schemas.codec import decode
from dexwatch.schemas.dead_letter import DeadLetterRecord
from dexwatch.schemas.dex_transaction import DexTransaction
from dexwatch.schemas.metric_event import MetricEvent
from tests.connectors.thegraph.conftest import HEAD, V3_ID, Harness, MemorySink
from tests.support.kafka_helpers import consume, create_topic


def identities(sink: MemorySink) -> list[tuple[str, str]]:
    """(kind, event id) of every metric event and transaction sent."""
    found = []
    for kind, _topic, _key, record in sink.records:
        if isinstance(record, MetricEvent | DexTransaction):
            assert record.event_id is not None
            found.append((kind, record.event_id))
    return found


def test_a_restart_from_the_checkpoint_misses_nothing_and_repeats_nothing(
    harness: Harness,
) -> None:
    harness.poll(cycles=2)
    harness.advance(300)
    harness.poll(cycles=2)  # a new connector: a restart, from the checkpoint
    restarted = identities(harness.sink)

    harness.control.now = HEAD
    harness.clock.current = HEAD
    harness.checkpoint.unlink()
    harness.sink.records.clear()
    harness.poll(cycles=4)  # one connector, never stopped
    uninterrupted = identities(harness.sink)

    assert len(restarted) == len(set(restarted)), "no duplicate ids"
    assert sorted(restarted) == sorted(uninterrupted), "no gap"
    assert Counter(kind for kind, _id in restarted).keys() == {
        "pool_hour",
        "pool_snapshot",
        "transaction",
    }


class FlakySink(MemorySink):
    """Loses its second batch: the broker never acknowledged it."""

    def flush(self) -> None:
        super().flush()
        if self.flushes == 2:
            raise ProducerError("2 record(s) could not be delivered")


def test_a_batch_kafka_did_not_take_is_sent_again_with_the_same_ids(harness: Harness) -> None:
    harness.sink = FlakySink()
    harness.poll()
    first_batch = len(harness.sink.records)
    harness.advance(300)
    with pytest.raises(ProducerError):
        harness.poll()  # fails at flush: no checkpoint saved
    lost = harness.sink.records[first_batch:]
    assert lost
    again = harness.poll()
    resent = harness.sink.records[first_batch + len(lost) :]
    assert again[0].transactions > 0
    lost_ids = {getattr(record, "event_id", None) for _kind, _t, _k, record in lost} - {None}
    resent_ids = {getattr(record, "event_id", None) for _kind, _t, _k, record in resent} - {None}
    assert lost_ids
    assert lost_ids <= resent_ids


def in_window_row(harness: Harness, entity: str, since: int) -> dict[str, object]:
    view = harness.server.view(V3_ID)
    rows = view.collection(entity, view.dataset.block_at(HEAD))
    key = "periodStartUnix" if entity == "PoolHourData" else "timestamp"
    return next(row for row in rows if int(row[key]) > since)


def test_malformed_upstream_values_are_dead_lettered_and_counted(harness: Harness) -> None:
    hour = in_window_row(harness, "PoolHourData", HEAD - 5 * 3600)
    swap = in_window_row(harness, "Swap", HEAD - 1700)
    mint = in_window_row(harness, "Mint", HEAD - 1700)
    harness.control.corrupt("PoolHourData", str(hour["id"]), "tvlUSD", "-125.5")
    harness.control.corrupt("Swap", str(swap["id"]), "amountUSD", "NaN")
    harness.control.corrupt("Mint", str(mint["id"]), "amountUSD", None)
    [report] = harness.poll()

    letters: list[DeadLetterRecord] = harness.sink.of("dead_letter")
    assert report.dead_letters == len(letters) == 3
    by_kind = {letter.reason_kind: letter for letter in letters}
    assert set(by_kind) == {"negative", "not_a_number", "missing_field"}
    negative = by_kind["negative"]
    assert negative.source == "thegraph:ethereum:uniswap-v3:poolHourDatas"
    assert negative.original_key == str(hour["id"]).encode()
    assert orjson.loads(negative.original)["tvlUSD"] == "-125.5"
    assert "tvlUSD: negative" in negative.reason
    assert (negative.topic, negative.partition, negative.offset) == (None, None, None)
    assert by_kind["not_a_number"].source == "thegraph:ethereum:uniswap-v3:swaps"
    assert "amountUSD" in by_kind["missing_field"].reason
    for reason in ("negative", "not_a_number", "missing_field"):
        assert harness.metric("dexwatch_thegraph_upstream_rejected_total", reason=reason) == 1

    # The refused hour is a gap, not a fake quiet hour; the other rows went through.
    emitted = {
        (event.dimensions["pool"], int(event.event_time.timestamp()))
        for event in harness.sink.of("pool_hour")
    }
    hour_pool = hour["pool"]
    assert isinstance(hour_pool, dict)
    assert (hour_pool["id"], hour["periodStartUnix"]) not in emitted
    upstream_ids = {transaction.upstream_id for transaction in harness.sink.of("transaction")}
    assert swap["id"] not in upstream_ids
    assert mint["id"] not in upstream_ids
    assert len(upstream_ids) == report.transactions > 10


@pytest.mark.kafka
def test_records_reach_kafka_and_read_back(
    harness: Harness, kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topics = {
        "metrics_topic": create_topic(kafka_bootstrap, unique_name("metrics"), partitions=4),
        "transactions_topic": create_topic(kafka_bootstrap, unique_name("transactions")),
        "dead_letter_topic": create_topic(kafka_bootstrap, unique_name("dead"), partitions=1),
    }
    swap = in_window_row(harness, "Swap", HEAD - 1700)
    harness.control.corrupt("Swap", str(swap["id"]), "amountUSD", "-1")
    settings = harness.settings(bootstrap_servers=kafka_bootstrap, **topics)
    metrics = TheGraphMetrics()
    sink = KafkaRecordSink(kafka_bootstrap, metrics)

    async def run() -> None:
        connector = TheGraphConnector(
            settings, sink=sink, metrics=metrics, clock=harness.clock, rng=random.Random(1)
        )
        async with connector:
            await connector.poll_once()
            harness.advance(300)
            await connector.poll_once()

    asyncio.run(run())
    produced = {
        kind: metrics.registry.get_sample_value(
            "dexwatch_thegraph_records_produced_total", {"kind": kind}
        )
        or 0
        for kind in ("pool_hour", "pool_snapshot", "transaction", "dead_letter")
    }
    assert produced["pool_snapshot"] == 36
    assert produced["dead_letter"] == 1

    def read(topic: str, model: type[BaseModel], count: float) -> list[tuple[bytes, BaseModel]]:
        messages = consume(kafka_bootstrap, topic, int(count), timeout_s=30)
        assert len(messages) == count
        pairs = []
        for message in messages:
            key, value = message.key(), message.value()
            assert isinstance(key, bytes)
            assert isinstance(value, bytes)
            pairs.append((key, decode(model, value)))
        return pairs

    metric_count = produced["pool_hour"] + produced["pool_snapshot"]
    for key, event in read(topics["metrics_topic"], MetricEvent, metric_count):
        assert isinstance(event, MetricEvent)
        assert key == event.series_key.encode()
    transactions = read(topics["transactions_topic"], DexTransaction, produced["transaction"])
    ids = {event.event_id for _key, event in transactions if isinstance(event, DexTransaction)}
    assert len(ids) == len(transactions)
    [(key, letter)] = read(topics["dead_letter_topic"], DeadLetterRecord, 1)
    assert isinstance(letter, DeadLetterRecord)
    assert key == str(swap["id"]).encode()
    assert letter.reason_kind == "negative"


def test_the_checkpoint_file_is_versioned_json(harness: Harness, tmp_path: Path) -> None:
    harness.poll()
    document = orjson.loads(harness.checkpoint.read_bytes())
    assert document["version"] == 1
    assert document["source"] == "thegraph:ethereum:uniswap-v3"
    assert document["block"]["hash"].startswith("0x")
    assert len(document["pools"]) == 36
