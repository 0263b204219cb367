"""Snapshot records written to and read from a changelog topic as a plain topic (real broker)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from confluent_kafka import Producer

from dexwatch.streams.snapshots.changelog_snapshots import (
    ChangelogRecord,
    snapshot_keys,
    write_changelog,
)
from tests.support.kafka_helpers import consume, create_topic

pytestmark = pytest.mark.kafka


def test_records_land_in_their_partitions_past_a_full_queue_and_are_read_back(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic = create_topic(
        kafka_bootstrap,
        unique_name("changelog"),
        partitions=4,
        config={"cleanup.policy": "compact"},
    )
    records = [ChangelogRecord(n % 4, f"pools\x1fpool={n}", bytes([n]) * 100) for n in range(50)]
    # A queue of 5 messages: produce() refuses most records at first and must wait for room.
    small_queue = {"queue.buffering.max.messages": 5, "linger.ms": 50}
    assert write_changelog(kafka_bootstrap, topic, records, small_queue) == 50
    found = consume(kafka_bootstrap, topic, 50, timeout_s=30)
    placed = {(m.key() or b"").decode(): (m.partition(), m.value()) for m in found}
    assert placed == {r.key: (r.partition, r.value) for r in records}
    # A tombstone (a key's record deleted), in the key's partition as a table would write it.
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(topic, key=b"pools\x1fpool=7", value=None, partition=7 % 4)
    assert producer.flush(30) == 0
    assert snapshot_keys(kafka_bootstrap, topic) == {r.key for r in records} - {"pools\x1fpool=7"}
