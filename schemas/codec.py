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
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise SchemaError(INVALID_JSON, f"not valid UTF-8 JSON: {error}") from error
    if not isinstance(data, dict):
        raise SchemaError(INVALID_SCHEMA, f"expected a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise SchemaError(INVALID_SCHEMA, describe_validation_error(error)) from error


@dataclass(frozen=True, slots=True)
class Decoded(Generic[ModelT]):
    """One element of a record: the event, or why it was refused, with its own bytes."""

    raw: bytes
    event: ModelT | None = None
    error: SchemaError | None = None


def decode_many(model: type[ModelT], payload: bytes) -> list[Decoded[ModelT]]:
    """A record holding one event (a JSON object) or a batch of them (a JSON array of objects).

    Batches are how a high-rate producer beats a per-message cost: every element is validated
    on its own, so one bad element is refused alone (its reason says `[index]`). A payload that
    is not JSON at all raises `SchemaError`.
    """
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise SchemaError(INVALID_JSON, f"not valid UTF-8 JSON: {error}") from error
    if not isinstance(data, list):
        return [_validated(model, data, payload, "")]
    return [
        _validated(model, item, orjson.dumps(item), f"[{index}] ")
        for index, item in enumerate(data)
    ]


def _validated(model: type[ModelT], data: object, raw: bytes, place: str) -> Decoded[ModelT]:
    if not isinstance(data, dict):
        expected = f"{place}expected a JSON object, got {type(data).__name__}"
        return Decoded(raw, error=SchemaError(INVALID_SCHEMA, expected))
    try:
        return Decoded(raw, event=model.model_validate(data))
    except ValidationError as error:
        reason = place + describe_validation_error(error)
        return Decoded(raw, error=SchemaError(INVALID_SCHEMA, reason))


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
