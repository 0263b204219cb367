"""Encoding and decoding of every event: orjson on the wire, pydantic for the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from schemas.errors import SchemaError

__all__ = [
    "INVALID_JSON",
    "INVALID_SCHEMA",
    "Decoded",
    "decode",
    "decode_many",
    "describe_validation_error",
    "encode",
]

INVALID_JSON = "invalid_json"
INVALID_SCHEMA = "invalid_schema"

ModelT = TypeVar("ModelT", bound=BaseModel)


def encode(event: BaseModel) -> bytes:
    """The event as compact JSON bytes."""
    return orjson.dumps(event.model_dump(mode="json", exclude_none=True))


def decode(model: type[ModelT], payload: bytes) -> ModelT:
    """Parse and validate `payload`, or raise `SchemaError` saying what is wrong and where."""
    decoded = _validated(model, _loads(payload), "", payload)
    if decoded.error is not None:
        raise decoded.error
    assert decoded.event is not None
    return decoded.event


def _loads(payload: bytes) -> object:
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise SchemaError(INVALID_JSON, f"not valid UTF-8 JSON: {error}") from error


@dataclass(frozen=True, slots=True)
class Decoded(Generic[ModelT]):
    """One element of a record: the event, or why it was refused and its own bytes."""

    event: ModelT | None = None
    error: SchemaError | None = None
    raw: bytes = b""  # a refused element's bytes: what its dead letter keeps


def decode_many(model: type[ModelT], payload: bytes) -> list[Decoded[ModelT]]:
    """A record holding one event (a JSON object) or a batch of them (a JSON array of objects).

    Batches are how a high-rate producer beats a per-message cost: every element is validated
    on its own, so one bad element is refused alone (its reason says `[index]`). A payload that
    is not JSON at all raises `SchemaError`.
    """
    data = _loads(payload)
    if not isinstance(data, list):
        return [_validated(model, data, "", payload)]
    return [_validated(model, item, f"[{index}] ", None) for index, item in enumerate(data)]


def _validated(
    model: type[ModelT], data: object, place: str, payload: bytes | None
) -> Decoded[ModelT]:
    """`payload`: the record's bytes when `data` is all of it; an element's bytes are made
    again, from `data`, only when it is refused."""
    cause: ValidationError | None = None
    if not isinstance(data, dict):
        reason = f"{place}expected a JSON object, got {type(data).__name__}"
    else:
        try:
            return Decoded(event=model.model_validate(data))
        except ValidationError as error:
            reason, cause = place + describe_validation_error(error), error
    refused = SchemaError(INVALID_SCHEMA, reason)
    refused.__cause__ = cause  # `raise refused` (in `decode`) keeps the details
    raw = payload if payload is not None else orjson.dumps(data)
    return Decoded(error=refused, raw=raw)


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem: `where: what (got: value)`, short enough for a log or a record."""
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(_place(part) for part in item["loc"]) or "(event)"
        got = "" if item["type"] == "missing" else f" (got: {_short(item.get('input'))})"
        problems.append(f"{where}: {item['msg']}{got}")
    return "; ".join(problems)


def _place(part: str | int) -> str:
    """A step of an error's location; keys come from the input, so keep them one short line."""
    text = str(part)
    return text if text.isprintable() and len(text) <= 64 else _short(text)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
