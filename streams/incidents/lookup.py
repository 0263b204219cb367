"""Find an incident's latest version on the alerts topic (for `dexwatch feedback`).

The alerts topic is keyed by incident id and is small next to the metrics, so this reads
every partition from its start up to the end it had when the search began, within a time
limit, keeping the highest version of the incident it meets.
"""

from __future__ import annotations

import logging
import time
import uuid

from confluent_kafka import Consumer, KafkaException, TopicPartition

from dexwatch.messaging import confluent_client_config
from dexwatch.schemas.codec import decode
from dexwatch.schemas.errors import DexwatchError, KafkaSetupError, SchemaError
from dexwatch.schemas.incident import IncidentEvent

__all__ = ["IncidentNotFoundError", "find_incident"]


class IncidentNotFoundError(DexwatchError, LookupError):
    """The incident is not on the alerts topic (or not within the time given)."""


def find_incident(
    bootstrap_servers: str, topic: str, wanted: str, timeout_s: float = 30.0
) -> IncidentEvent:
    """The latest version of incident `wanted` on `topic`; `IncidentNotFoundError` if none."""
    consumer = Consumer(
        {
            **confluent_client_config(bootstrap_servers),
            "group.id": f"dexwatch-feedback-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            # librdkafka's own lines (connection refused, ...) through `logging`, not stderr
            "logger": logging.getLogger("dexwatch.streams.incidents.librdkafka"),
        }
    )
    deadline = time.monotonic() + timeout_s
    try:
        ends = _partition_ends(consumer, bootstrap_servers, topic, min(timeout_s, 10.0))
        consumer.assign([TopicPartition(topic, p, low) for p, (low, _) in ends.items()])
        unread = {p for p, (low, high) in ends.items() if high > low}
        key = wanted.encode()
        found: IncidentEvent | None = None
        read = 0
        while unread and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            read += 1
            partition, offset = message.partition(), message.offset()
            if partition is not None and offset is not None and offset >= ends[partition][1] - 1:
                unread.discard(partition)
            if message.key() == key:
                try:
                    event = decode(IncidentEvent, message.value() or b"")
                except SchemaError:
                    continue
                if found is None or event.version > found.version:
                    found = event
    finally:
        consumer.close()
    if found is not None:
        return found
    where = f"topic {topic} at {bootstrap_servers}"
    scope = f"read all {read} records" if not unread else f"read {read} records in {timeout_s:g} s"
    raise IncidentNotFoundError(
        f"incident {wanted} not found on {where} ({scope}); check the id (`dexwatch tail "
        "--alerts --from-beginning` lists incidents), the topic (--alerts-topic or "
        "DEXWATCH_ALERTS_TOPIC) and the broker (--bootstrap-servers)"
    )


def _partition_ends(
    consumer: Consumer, bootstrap_servers: str, topic: str, timeout_s: float
) -> dict[int, tuple[int, int]]:
    """(low, high) offsets per partition of `topic`."""
    try:
        metadata = consumer.list_topics(topic, timeout=timeout_s)
        described = metadata.topics.get(topic)
        if described is None or described.error is not None or not described.partitions:
            raise IncidentNotFoundError(
                f"topic {topic} does not exist at {bootstrap_servers}: no incident was ever "
                "sent there; check --alerts-topic (or DEXWATCH_ALERTS_TOPIC)"
            )
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s)
            for p in described.partitions
        }
    except KafkaException as error:
        raise KafkaSetupError(
            f"cannot read {topic} at {bootstrap_servers}: {error}",
            "is the broker running? `dexwatch kafka status`, or set --bootstrap-servers",
        ) from error
