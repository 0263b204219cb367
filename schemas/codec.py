"""Encoding and decoding of every event: orjson on the wire, pydantic for the rules."""

from __future__ import annotations

from typing import TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from schemas.errors import SchemaError

__all__ = ["INVALID_JSON", "INVALID_SCHEMA", "decode", "describe_validation_error", "encode"]

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
