"""Read anomaly events (or other events, e.g. incidents) from a topic, from a point in time
on, for people and scripts."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any, TypeVar

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from pydantic import BaseModel

from dexwatch.messaging import confluent_client_config
from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.codec import decode
from dexwatch.schemas.errors import KafkaSetupError, SchemaError

__all__ = ["read_anomalies", "read_events"]

_LEADER_WAIT_S = 15.0
_NO_LEADER_YET = frozenset({KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE})

EventT = TypeVar("EventT", bound=BaseModel)


def read_anomalies(
    bootstrap_servers: str, topic: str, since_ms: int | None, poll_s: float = 0.5
) -> Iterator[AnomalyEvent | None]:
    """Yield anomalies written at or after `since_ms` (all of them when None), forever.

    Yields None after each empty poll so that callers can check their own deadlines.
    """
    return read_events(bootstrap_servers, topic, since_ms, AnomalyEvent, poll_s)


def read_events(
    bootstrap_servers: str,
    topic: str,
    since_ms: int | None,
    model: type[EventT],
    poll_s: float = 0.5,
) -> Iterator[EventT | None]:
    """`read_anomalies` for events of any schema `model` (records that are not are skipped)."""
    consumer = Consumer(
        {
            **confluent_client_config(bootstrap_servers),
            "group.id": f"dexwatch-tail-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )

    def start_at_time(consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if since_ms is None:
            return
        wanted = [TopicPartition(p.topic, p.partition, since_ms) for p in partitions]
        consumer.assign(_offsets_for_times(consumer, wanted))

    consumer.subscribe([topic], on_assign=start_at_time)
    try:
        while True:
            message = consumer.poll(poll_s)
            if message is None:
                yield None
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                    yield None  # not created yet: the worker creates it when it starts
                    continue
                raise KafkaSetupError(
                    f"reading {topic} failed: {error}", "check `dexwatch kafka status`"
                )
            try:
                yield decode(model, message.value() or b"")
            except SchemaError:
                continue  # not ours to judge here: another producer wrote to this topic
    finally:
        consumer.close()


def _offsets_for_times(consumer: Consumer, wanted: list[TopicPartition]) -> Any:
    # A topic the worker created a moment ago may have no partition leader yet.
    deadline = time.monotonic() + _LEADER_WAIT_S
    while True:
        try:
            return consumer.offsets_for_times(wanted, timeout=10)
        except KafkaException as error:
            cause = error.args[0] if error.args else None
            waiting = isinstance(cause, KafkaError) and cause.code() in _NO_LEADER_YET
            if not waiting or time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def now_ms() -> int:
    return int(time.time() * 1000)
