"""Encoding and decoding of every event: orjson on the wire, pydantic for the rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from dexwatch.schemas.errors import SchemaError

__all__ = [
    "EMPTY",
    "ENVELOPE_TOO_LARGE",
    "INVALID_JSON",
    "INVALID_SCHEMA",
    "Decoded",
    "decode",
    "decode_elements",
    "decode_many",
    "describe_validation_error",
    "encode",
]

INVALID_JSON = "invalid_json"
INVALID_SCHEMA = "invalid_schema"
EMPTY = "empty"  # a tombstone (null value) or a zero-length value
ENVELOPE_TOO_LARGE = "envelope_too_large"

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


def decode_many(
    model: type[ModelT], payload: bytes, max_elements: int | None = None
) -> list[Decoded[ModelT]]:
    """A record holding one event (a JSON object) or a batch of them (a JSON array of objects).

    Batches are how a high-rate producer beats a per-message cost: every element is validated
    on its own, so one bad element is refused alone (its reason says `[index]`). A payload that
    is not JSON at all, or a batch of more than `max_elements`, raises `SchemaError`.
    """
    return list(decode_elements(model, payload, max_elements))


def decode_elements(
    model: type[ModelT], payload: bytes, max_elements: int | None = None
) -> Iterator[Decoded[ModelT]]:
    """`decode_many`, each element validated only when the caller gets to it (so a large batch
    can be handled in slices); the `SchemaError`s are raised here, before any element."""
    data = _loads(payload)
    if not isinstance(data, list):
        return iter([_validated(model, data, "", payload)])
    if max_elements is not None and len(data) > max_elements:
        raise SchemaError(
            ENVELOPE_TOO_LARGE,
            f"a batch of {len(data)} elements, over the limit of {max_elements} per record; "
            "split it into smaller records",
        )
    return (_validated(model, item, f"[{index}] ", None) for index, item in enumerate(data))


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
