"""The sink consumer without a broker: order, commit after delivery, ledger, filter, pauses."""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiokafka.structs import TopicPartition

from dexwatch.schemas.codec import decode, encode
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.sink_dead_letter import SinkDeadLetterRecord
from dexwatch.sinks.alerts_consumer import AlertRecord
from dexwatch.sinks.base import GiveUp, RetryLater
from dexwatch.sinks.dead_letters import DeadLetterWriter
from dexwatch.sinks.delivered_ledger import DeliveredLedger
from dexwatch.sinks.delivery_policy import DeliveryPolicy
from dexwatch.sinks.errors import SinkError
from dexwatch.sinks.incident_filter import IncidentFilter
from dexwatch.sinks.metrics import SinkMetrics
from dexwatch.sinks.sink_consumer import SinkConsumer
from tests.sinks.incidents import incident, incident_versions
from tests.sinks.scripted_sink import ScriptedSink

P0, P1 = TopicPartition("alerts", 0), TopicPartition("alerts", 1)


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def records(partition: TopicPartition, events: Sequence[IncidentEvent | bytes]) -> list[Record]:
    return [
        Record(
            partition.topic,
            partition.partition,
            offset,
            event.incident_id.encode() if isinstance(event, IncidentEvent) else None,
            encode(event) if isinstance(event, IncidentEvent) else event,
        )
        for offset, event in enumerate(events)
    ]


class FakeConsumer:
    """Hands out the given batches, one per `getmany`; logs commits and pauses in `events`."""

    def __init__(self, batches: list[dict[TopicPartition, list[Record]]], events: list[str]):
        self.batches = deque(batches)
        self.events = events
        self.paused: set[TopicPartition] = set()
        self.committed: dict[TopicPartition, int] = {}
        self.polls = 0

    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int | None = None
    ) -> Mapping[TopicPartition, Sequence[AlertRecord]]:
        self.polls += 1
        await asyncio.sleep(0.001)
        if self.batches:
            batch = self.batches.popleft()
            assert not set(batch) & self.paused, "a paused partition was handed out"
            return batch
        return {}

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> None:
        for partition, offset in offsets.items():
            self.committed[partition] = offset
            self.events.append(f"commit {partition.partition}@{offset}")

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused.difference_update(partitions)

    def assignment(self) -> set[TopicPartition]:
        return {P0, P1}


class FakeProducer:
    def __init__(self, events: list[str], fail: bool = False) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None]] = []
        self.events = events
        self.fail = fail

    async def send_and_wait(
        self, topic: str, value: bytes | None = None, key: bytes | None = None
    ) -> Any:
        if self.fail:
            from aiokafka.errors import KafkaTimeoutError

            raise KafkaTimeoutError()
        self.sent.append((topic, key, value))
        self.events.append("dead-letter")


@dataclass
class Harness:
    sink: ScriptedSink
    consumer: FakeConsumer
    producer: FakeProducer
    ledger: DeliveredLedger
    metrics: SinkMetrics
    events: list[str]
    incident_filter: IncidentFilter = field(default_factory=IncidentFilter)

    def run(self, until_committed: dict[TopicPartition, int]) -> None:
        async def main() -> None:
            stop = asyncio.Event()
            waiter = SinkConsumer(
                self.sink,
                self.consumer,
                incident_filter=self.incident_filter,
                policy=DeliveryPolicy(base_delay_s=0.001, max_delay_s=0.002, max_attempts=3),
                dead_letters=DeadLetterWriter(self.producer, "sink-dead"),
                ledger=self.ledger,
                metrics=self.metrics,
                rng=random.Random(0),
                poll_ms=1,
            )
            task = asyncio.create_task(waiter.run(stop))
            for _ in range(2000):
                if all(self.consumer.committed.get(p) == o for p, o in until_committed.items()):
                    break
                if task.done():
                    break
                await asyncio.sleep(0.002)
            stop.set()
            await task

        asyncio.run(main())

    def sample(self, name: str, **labels: str) -> float:
        return self.metrics.registry.get_sample_value(name, {"sink": "scripted", **labels}) or 0.0


@pytest.fixture
def harness(tmp_path: Path) -> Any:
    events: list[str] = []
    with DeliveredLedger(tmp_path / "scripted.ledger") as ledger:

        def make(batches: list[dict[TopicPartition, list[Record]]], *outcomes: Any) -> Harness:
            sink = ScriptedSink(outcomes)
            sink.events = events
            return Harness(
                sink,
                FakeConsumer(batches, events),
                FakeProducer(events),
                ledger,
                SinkMetrics(),
                events,
            )

        yield make


def test_each_offset_is_committed_right_after_its_delivery_in_order(harness: Any) -> None:
    versions = incident_versions(1, 3)
    h = harness([{P0: records(P0, versions)}])
    h.run({P0: 3})
    keys = [event.idempotency_key for event in versions]
    assert h.events == [
        *(f"deliver {keys[0]}", "commit 0@1"),
        *(f"deliver {keys[1]}", "commit 0@2"),
        *(f"deliver {keys[2]}", "commit 0@3"),
    ]
    assert h.sample("dexwatch_alerts_delivered_total") == 3
    assert h.sample("dexwatch_alert_delivery_seconds_count") == 3
    assert all(h.ledger.finished(key, "any") == "delivered" for key in keys)


def test_a_partition_waiting_on_retries_does_not_hold_up_another(harness: Any) -> None:
    slow, quick = incident(1), incident(2)
    h = harness(
        [{P0: records(P0, [slow])}, {P1: records(P1, [quick])}],
        RetryLater("server_error", "500", status=500),
        RetryLater("server_error", "500", status=500),
    )
    h.run({P0: 1, P1: 1})
    assert h.consumer.committed == {P0: 1, P1: 1}
    assert h.sample("dexwatch_alerts_retried_total", reason="server_error") == 2
    assert h.consumer.paused == set()  # resumed once done


def test_what_the_ledger_has_is_committed_without_sending(harness: Any) -> None:
    done, new = incident(1), incident(2)
    h = harness([{P0: records(P0, [done, new])}])
    h.ledger.record(done.idempotency_key, "delivered", "alerts:0:99")
    h.run({P0: 2})
    assert [event.idempotency_key for event in h.sink.attempts] == [new.idempotency_key]
    assert h.sample("dexwatch_alerts_already_done_total") == 1


def test_filtered_alerts_are_committed_without_sending(harness: Any) -> None:
    low, high = incident(1, severity=10), incident(2, severity=90)
    h = harness([{P0: records(P0, [low, high])}])
    h.incident_filter = IncidentFilter(min_severity=50)
    h.run({P0: 2})
    assert [event.idempotency_key for event in h.sink.attempts] == [high.idempotency_key]
    assert h.sample("dexwatch_alerts_filtered_total") == 1


def test_a_refused_alert_is_dead_lettered_before_its_offset_is_committed(harness: Any) -> None:
    refused = incident(1)
    h = harness([{P0: records(P0, [refused])}], GiveUp("revoked", "Slack answered 404", status=404))
    h.run({P0: 1})
    assert h.events == ["dead-letter", "commit 0@1"]
    ((topic, key, value),) = h.producer.sent
    assert (topic, key) == ("sink-dead", refused.incident_id.encode())
    letter = decode(SinkDeadLetterRecord, value or b"")
    assert (letter.reason_kind, letter.idempotency_key, letter.attempts, letter.last_status) == (
        "revoked", refused.idempotency_key, 1, 404
    )  # fmt: skip
    assert decode(IncidentEvent, letter.original) == refused
    assert h.ledger.finished(refused.idempotency_key, "alerts:0:0") == "dead_lettered"
    assert h.sample("dexwatch_alerts_dead_lettered_total", reason="revoked") == 1


def test_out_of_attempts_is_dead_lettered_as_retries_exhausted(harness: Any) -> None:
    h = harness([{P0: records(P0, [incident(1)])}], *[RetryLater("timeout", "slow")] * 3)
    h.run({P0: 1})
    letter = decode(SinkDeadLetterRecord, h.producer.sent[0][2] or b"")
    assert (letter.reason_kind, letter.attempts) == ("retries_exhausted", 3)
    assert letter.reason == "gave up after 3 attempt(s); the last: slow"


def test_a_record_that_is_not_an_incident_is_dead_lettered_unsent(harness: Any) -> None:
    h = harness([{P0: records(P0, [b"{not json", incident(1)])}])
    h.run({P0: 2})
    letter = decode(SinkDeadLetterRecord, h.producer.sent[0][2] or b"")
    assert (letter.reason_kind, letter.attempts, letter.incident_id) == ("invalid_record", 0, None)
    assert letter.original == b"{not json"
    assert len(h.sink.attempts) == 1


def test_when_kafka_refuses_the_dead_letter_nothing_is_committed_and_the_sink_stops(
    harness: Any,
) -> None:
    h = harness([{P0: records(P0, [incident(1)])}], GiveUp("rejected", "422"))
    h.producer.fail = True
    with pytest.raises(SinkError, match="cannot write a dead letter to sink-dead"):
        h.run({P0: 1})
    assert h.consumer.committed == {}
