"""The sink dead-letter record: an alert a sink gave up on, kept whole with the reason.

A Slack or webhook sink writes one to the sink dead-letter topic (key: the incident id) when a
delivery was refused for good (a revoked Slack webhook, a 4xx from a receiver), when every
retry failed, or when the alert record itself could not be read. Its Kafka coordinates and
original bytes let an operator replay it once the cause is fixed.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from dexwatch.schemas.dead_letter import Base64Bytes
from dexwatch.schemas.metric_event import UtcDatetime

__all__ = [
    "SINK_DEAD_LETTER_REASONS",
    "SINK_KINDS",
    "SinkDeadLetterReason",
    "SinkDeadLetterRecord",
    "SinkKind",
]

SinkKind = Literal["slack", "webhook"]
SINK_KINDS: tuple[SinkKind, ...] = get_args(SinkKind)

# Closed set: also the `reason` label of `dexwatch_alerts_dead_lettered_total`.
SinkDeadLetterReason = Literal[
    "revoked",  # the destination is gone: a revoked or archived Slack webhook, an HTTP 410
    "rejected",  # another 4xx: the receiver refused this alert (auth, validation, ...)
    "invalid_payload",  # Slack refused the message itself (HTTP 400): a bug of ours
    "retries_exhausted",  # 429, 5xx, timeouts or no connection on every allowed attempt
    "invalid_record",  # the alert record is not an incident event: it was never sent
]
SINK_DEAD_LETTER_REASONS: tuple[SinkDeadLetterReason, ...] = get_args(SinkDeadLetterReason)


class SinkDeadLetterRecord(BaseModel):
    """Why a sink did not deliver an alert, with everything needed to find and replay it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sink: str = Field(min_length=1, max_length=64, description="The sink's configured name.")
    sink_kind: SinkKind
    topic: str = Field(min_length=1, description="The alerts topic the record was read from.")
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    original: Base64Bytes = Field(description="The alert record's value exactly as consumed.")
    original_key: Base64Bytes | None = Field(default=None, description="The record's key.")
    incident_id: str | None = Field(
        default=None, description="Absent when the record could not be read as an incident."
    )
    version: int | None = Field(default=None, ge=1)
    idempotency_key: str | None = Field(
        default=None, description="`<incident_id>:<version>`, as the webhook sink sends it."
    )
    reason_kind: SinkDeadLetterReason
    reason: str = Field(min_length=1, description="What happened and what to do, for people.")
    attempts: int = Field(ge=0, description="Delivery attempts made (0: never sent).")
    last_status: int | None = Field(
        default=None, ge=100, le=599, description="The last HTTP status answered, if any."
    )
    failed_at: UtcDatetime
