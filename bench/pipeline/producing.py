"""The bench's topics and its producer: confluent-kafka, lz4, Kafka's default partitioner."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson
from confluent_kafka import Producer

from bench.envelopes import envelopes, partition_for
from bench.pipeline.output import say
from tests.support.kafka_helpers import create_topic

__all__ = ["PARTITIONS", "CheckedProducer", "create_topics", "produce_envelopes", "records"]

PARTITIONS = 8


def create_topics(bootstrap: str, *names: str) -> None:
    for name in names:
        create_topic(bootstrap, name, PARTITIONS)


class CheckedProducer:
    """confluent-kafka, lz4, murmur2 partitioner; checks each record's partition on delivery."""

    def __init__(self, bootstrap: str, linger_ms: int = 20) -> None:
        self.producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "compression.type": "lz4",
                "linger.ms": linger_ms,
                "partitioner": "murmur2_random",
                "enable.idempotence": True,
                "queue.buffering.max.messages": 1_000_000,
            }
        )
        self.errors: list[str] = []
        self.records = 0

    def send(self, topic: str, key: bytes, value: bytes, partition: int) -> None:
        def delivered(error: object, message: Any) -> None:
            if error is not None:
                self.errors.append(str(error))
            elif message.partition() != partition:
                self.errors.append(f"{key!r} went to {message.partition()}, not {partition}")

        while True:
            try:
                self.producer.produce(topic, key=key, value=value, on_delivery=delivered)
                break
            except BufferError:
                self.producer.poll(0.05)
        self.producer.poll(0)
        self.records += 1

    def flush(self) -> None:
        left = self.producer.flush(120)
        if left or self.errors:
            raise RuntimeError(f"{left} records undelivered; errors: {self.errors[:3]}")


def records(
    events: Iterator[tuple[bytes, dict[str, object]]], size: int
) -> Iterator[tuple[bytes, int, bytes]]:
    """`(key, partition, value)`: envelopes of up to `size` events, or with `size` 1 each
    event alone, as a JSON object keyed by its series (a single event, not an array of one)."""
    if size > 1:
        yield from envelopes(events, PARTITIONS, size)
        return
    for key, event in events:
        yield key, partition_for(key, PARTITIONS), orjson.dumps(event)


def produce_envelopes(
    bootstrap: str,
    topic: str,
    events: Iterator[tuple[bytes, dict[str, object]]],
    total: int,
    size: int,
    keep: list[bytes] | None = None,
) -> float:
    """Produce `events` as envelopes of `size` (1: single events); returns the seconds it
    took. Progress lines."""
    producer = CheckedProducer(bootstrap)
    started = time.monotonic()
    counted = [0]
    next_line = [100_000]

    def counting() -> Iterator[tuple[bytes, dict[str, object]]]:
        for item in events:
            counted[0] += 1
            if counted[0] >= next_line[0]:
                say(f"  produced {counted[0]:,} / {total:,} events")
                next_line[0] += 100_000
            yield item

    for key, partition, value in records(counting(), size):
        producer.send(topic, key, value, partition)
        if keep is not None:
            keep.append(value)
    producer.flush()
    seconds = time.monotonic() - started
    say(
        f"  produced {counted[0]:,} events in {producer.records:,} records to {topic} "
        f"in {seconds:.1f} s ({counted[0] / seconds:,.0f} events/s)"
    )
    return seconds
