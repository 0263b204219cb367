"""The dead-letter record: an input we could not process, with the reason.

The original is kept whole when it is small, else its first bytes (the worker keeps 64 KiB by
default): a dead letter must fit under Kafka's request limit, and one that cannot be written
would hold the input partition back. `original_size` and `original_sha256` describe the whole
original either way, so a cut one can still be matched with its source.

An input is either a Kafka record (its `topic`, `partition` and `offset` say where it was) or a
record read from elsewhere, e.g. an upstream API (its `source` says where, and the three Kafka
fields are left out).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from dexwatch.schemas.metric_event import UtcDatetime

__all__ = ["Base64Bytes", "DeadLetterRecord"]


def _from_base64(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as error:
            raise ValueError(f"not valid base64: {error}") from error
    return value


# Bytes in Python, a base64 string in JSON: the original payload may not be text at all.
Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    PlainSerializer(lambda raw: base64.b64encode(raw).decode("ascii"), when_used="json"),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]


class DeadLetterRecord(BaseModel):
    """Why an input record was rejected, with everything needed to find and replay it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        # Readers in other languages: a Kafka record's three coordinates, or a source.
        json_schema_extra={
            "anyOf": [{"required": ["topic", "partition", "offset"]}, {"required": ["source"]}]
        },
    )

    original: Base64Bytes = Field(
        description="The record's value as consumed: whole, or only its first bytes when it was "
        "large (the original may be truncated: then `original_size` is larger than this field's "
        "decoded length)."
    )
    original_key: Base64Bytes | None = Field(
        default=None, description="The record's key (its first bytes only, if it was very long)."
    )
    # Added fields (absent from records written before them): readers that ignore them still
    # get a valid record, now possibly with a truncated `original`.
    original_size: int | None = Field(
        default=None, ge=0, description="The whole original's length in bytes."
    )
    original_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the whole original (hex), to match a truncated one with its "
        "source.",
    )
    source: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Where a record that did not come from Kafka came from, e.g. "
        "`thegraph:ethereum:uniswap-v3:PoolHourData`; then topic, partition and offset are absent.",
    )
    # Required for a Kafka record (see `_kafka_coordinates`), absent for a record with a source.
    topic: str | None = Field(default=None, min_length=1, validate_default=True)
    partition: int | None = Field(default=None, ge=0, validate_default=True)
    offset: int | None = Field(default=None, ge=0, validate_default=True)
    reason_kind: str = Field(
        min_length=1, max_length=64, description="A short code, e.g. `invalid_json`."
    )
    reason: str = Field(min_length=1, description="What was wrong, for people.")
    failed_at: UtcDatetime

    @field_validator("topic", "partition", "offset")
    @classmethod
    def _kafka_coordinates(cls, value: object, info: ValidationInfo) -> object:
        """A record without a `source` came from Kafka: its coordinates are required."""
        if value is None and info.data.get("source") is None:
            raise PydanticCustomError("missing", "Field required")
        return value
