"""The dead-letter record: an input we could not process, kept whole with the reason."""

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
    WithJsonSchema,
)

from schemas.metric_event import UtcDatetime

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

    model_config = ConfigDict(extra="forbid", frozen=True)

    original: Base64Bytes = Field(description="The record's value exactly as consumed.")
    original_key: Base64Bytes | None = Field(default=None, description="The record's key.")
    topic: str = Field(min_length=1)
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    reason_kind: str = Field(
        min_length=1, max_length=64, description="A short code, e.g. `invalid_json`."
    )
    reason: str = Field(min_length=1, description="What was wrong, for people.")
    failed_at: UtcDatetime
