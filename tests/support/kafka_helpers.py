"""Helpers for tests against the real broker: topics, produce, consume, wait on conditions."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from confluent_kafka import (
    Consumer,
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

__all__ = [
    "ProducedRecord",
    "TopicReader",
    "committed_offsets",
    "consume",
    "consume_until",
    "create_topic",
    "end_offsets",
    "free_port",
    "group_assignment",
    "produce",
    "produce_records",
    "wait_for",
]

T = TypeVar("T")


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(condition: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """Poll `condition` until it returns something truthy; fail naming `what` at the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.05)


def create_topic(
    bootstrap: str, name: str, partitions: int = 8, config: dict[str, str] | None = None
) -> str:
    """Create `name` (nothing happens when it exists); `config`: topic settings, e.g.
    `{"cleanup.policy": "compact"}`."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topic = NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})
    futures = admin.create_topics([topic])
    for future in futures.values():
        try:
            future.result(timeout=30)
        except KafkaException as error:
            if "TOPIC_ALREADY_EXISTS" not in str(error):
                raise

    # The controller answers once the topic exists; a broker's metadata follows a moment later,
    # and a client that lists topics in between does not see it yet (CI saw that once).
    def listed() -> bool | None:
        found = admin.list_topics(topic=name, timeout=5).topics.get(name)
        ready = found is not None and found.error is None and bool(found.partitions)
        return True if ready else None

    wait_for(listed, 30.0, f"topic {name} in the broker's metadata")
    return name


@dataclass(frozen=True, slots=True)
class ProducedRecord:
    """A record to produce: `partition` -1 lets the key choose, `timestamp_ms` 0 means now;
    `value` None is a tombstone."""

    key: bytes | None
    value: bytes | None
    partition: int = -1
    timestamp_ms: int = 0


def produce(bootstrap: str, topic: str, records: Iterable[tuple[bytes | None, bytes]]) -> int:
    """Produce `(key, value)` records and wait until every one is acknowledged."""
    return produce_records(bootstrap, topic, (ProducedRecord(k, v) for k, v in records))


def produce_records(
    bootstrap: str,
    topic: str,
    records: Iterable[ProducedRecord],
    config: dict[str, str | int] | None = None,
) -> int:
    """Produce records (partition and timestamp as given) and wait until all are acknowledged;
    `config`: more producer settings, e.g. `{"message.max.bytes": 4_000_000}`."""
    producer = Producer(
        {"bootstrap.servers": bootstrap, "enable.idempotence": True, **(config or {})}
    )
    errors: list[str] = []

    def on_delivery(error: object, _message: object) -> None:
        if error is not None:
            errors.append(str(error))

    count = 0
    for record in records:
        producer.produce(
            topic,
            key=record.key,
            value=record.value,
            partition=record.partition,
            timestamp=record.timestamp_ms,
            on_delivery=on_delivery,
        )
        producer.poll(0)
        count += 1
    remaining = producer.flush(30)
    assert remaining == 0, f"{remaining} records not delivered to {topic}"
    assert not errors, f"delivery errors on {topic}: {errors[:3]}"
    return count


def consume_until(
    bootstrap: str,
    topic: str,
    done: Callable[[list[Message]], bool],
    timeout_s: float,
) -> list[Message]:
    """Read `topic` from the beginning (own group) until `done(messages)` or the timeout."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-reader-{uuid.uuid4().hex[:10]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    messages: list[Message] = []
    deadline = time.monotonic() + timeout_s
    try:
        while not done(messages) and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error() is not None:
                # The topic may not exist yet while the producer under test starts up.
                continue
            messages.append(message)
    finally:
        consumer.close()
    return messages


def consume(bootstrap: str, topic: str, count: int, timeout_s: float) -> list[Message]:
    """Up to `count` messages of `topic` from the beginning, waiting at most `timeout_s`."""
    return consume_until(bootstrap, topic, lambda messages: len(messages) >= count, timeout_s)


class TopicReader:
    """Reads topics from the beginning (own group) and hands back what is new on each call.

    One consumer for many polls, so a test can watch outputs arrive while it acts on them.
    Create it once the topics exist: a consumer subscribed to a missing topic may not see it
    for minutes (librdkafka refreshes metadata slowly).
    """

    def __init__(self, bootstrap: str, topics: Iterable[str]) -> None:
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"test-reader-{uuid.uuid4().hex[:10]}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        self._consumer.subscribe(list(topics))

    def poll_new(self, timeout_s: float = 0.2) -> list[Message]:
        """Messages that arrived since the last call (waiting at most `timeout_s` for some)."""
        found: list[Message] = []
        wait = timeout_s
        while True:
            batch = self._consumer.consume(num_messages=1000, timeout=wait)
            found += [message for message in batch if message.error() is None]
            if len(batch) < 1000:
                return found
            wait = 0.0

    def close(self) -> None:
        self._consumer.close()

    def __enter__(self) -> TopicReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def committed_offsets(
    bootstrap: str, group: str, topic: str, partitions: Iterable[int]
) -> dict[int, int]:
    """The group's committed offsets (the next record to read) of those it has committed."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in partitions])
    result = admin.list_consumer_group_offsets([request])[group].result(30)
    return {tp.partition: tp.offset for tp in result.topic_partitions if tp.offset >= 0}


def end_offsets(bootstrap: str, topic: str, partitions: Iterable[int]) -> dict[int, int]:
    """The high water (the offset the next record will get) of each partition."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "end-offsets"})
    try:
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
            for p in partitions
        }
    finally:
        consumer.close()


def group_assignment(bootstrap: str, group: str) -> dict[str, set[tuple[str, int]]] | None:
    """Client id -> the (topic, partition)s of each member of a stable group; None otherwise.

    Members are told apart by their client id (give each one its own).
    """
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        described = admin.describe_consumer_groups([group])[group].result(30)
    except KafkaException:  # e.g. the coordinator is still moving: ask again later
        return None
    if described.state != ConsumerGroupState.STABLE:
        return None
    return {
        member.client_id: {(tp.topic, tp.partition) for tp in member.assignment.topic_partitions}
        for member in described.members
    }
