"""Writing a sink's dead letters: the alert, where it was read, and why it was not delivered."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka.errors import KafkaError

from dexwatch.schemas.codec import encode
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.sink_dead_letter import SinkDeadLetterReason, SinkDeadLetterRecord, SinkKind
from dexwatch.sinks.alerts_consumer import AlertRecord
from dexwatch.sinks.errors import SinkError

__all__ = ["DeadLetterProducer", "DeadLetterWriter", "dead_letter_record"]

_LOG = logging.getLogger("dexwatch.sinks.dead_letters")


class DeadLetterProducer(Protocol):
    """The part of `aiokafka.AIOKafkaProducer` used here."""

    async def send_and_wait(
        self, topic: str, value: bytes | None = None, key: bytes | None = None
    ) -> Any: ...


def dead_letter_record(
    *,
    sink: str,
    sink_kind: SinkKind,
    record: AlertRecord,
    incident: IncidentEvent | None,
    reason: SinkDeadLetterReason,
    detail: str,
    attempts: int,
    last_status: int | None,
) -> SinkDeadLetterRecord:
    return SinkDeadLetterRecord(
        sink=sink,
        sink_kind=sink_kind,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        original=record.value or b"",
        original_key=record.key,
        incident_id=incident.incident_id if incident is not None else None,
        version=incident.version if incident is not None else None,
        idempotency_key=incident.idempotency_key if incident is not None else None,
        reason_kind=reason,
        reason=detail,
        attempts=attempts,
        last_status=last_status,
        failed_at=datetime.now(UTC),
    )


class DeadLetterWriter:
    """Produces dead letters to one topic and waits for Kafka's acknowledgement."""

    def __init__(self, producer: DeadLetterProducer, topic: str) -> None:
        self._producer = producer
        self.topic = topic

    async def write(self, dead_letter: SinkDeadLetterRecord) -> None:
        try:
            await self._producer.send_and_wait(
                self.topic, encode(dead_letter), key=dead_letter.original_key
            )
        except KafkaError as error:
            raise SinkError(
                f"cannot write a dead letter to {self.topic}: {error}; the alert's offset is not "
                "committed, so it is read again when the sink restarts (check "
                "`dexwatch kafka status` and the topic)"
            ) from error
