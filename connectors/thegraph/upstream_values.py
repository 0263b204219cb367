"""Reading a subgraph's numbers exactly, and refusing the ones that cannot be right.

The Graph sends BigDecimal and BigInt fields as JSON strings (`"1234.56"`, a 128-bit
`"34028236692093846346337460743176821145"`), Int fields as JSON numbers. A float would round
the first and overflow or lose the second, so they are parsed with `Decimal` and `int`, range
checked, and only turned into floats, checked finite, at the very end. Every refusal is an
`UpstreamValueError` whose `reason` is one of `REJECTION_REASONS`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from dexwatch.connectors.thegraph.errors import UpstreamValueError

__all__ = [
    "CUMULATIVE_DECREASED",
    "MISSING_FIELD",
    "NEGATIVE",
    "NOT_A_NUMBER",
    "OUT_OF_RANGE",
    "REJECTION_REASONS",
    "WRONG_TYPE",
    "big_int",
    "decimal",
    "entity_id",
    "finite_float",
    "int_number",
    "optional_text",
    "reference_id",
]

MISSING_FIELD = "missing_field"
WRONG_TYPE = "wrong_type"
NOT_A_NUMBER = "not_a_number"
NEGATIVE = "negative"
OUT_OF_RANGE = "out_of_range"
CUMULATIVE_DECREASED = "cumulative_decreased"
# Closed set: the `reason` label of the rejection metric stays bounded whatever upstream sends.
REJECTION_REASONS = (
    MISSING_FIELD,
    WRONG_TYPE,
    NOT_A_NUMBER,
    NEGATIVE,
    OUT_OF_RANGE,
    CUMULATIVE_DECREASED,
)

# Plain decimal notation, optionally with an exponent; no NaN, Infinity, hex, spaces or `_`.
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"-?[0-9]+")
_MAX_TEXT = 200  # 1e199 USD is not a real amount; longer strings are not numbers we want
_MAX_EXPONENT = 400  # beyond, no float holds it anyway


def _present(row: Mapping[str, Any], field: str) -> Any:
    value = row.get(field)
    if value is None:
        raise UpstreamValueError(MISSING_FIELD, field, "missing or null")
    return value


def _text(row: Mapping[str, Any], field: str, kind: str) -> str:
    value = _present(row, field)
    if not isinstance(value, str):
        raise UpstreamValueError(
            WRONG_TYPE, field, f"expected a {kind} string, got {type(value).__name__}"
        )
    if len(value) > _MAX_TEXT:
        raise UpstreamValueError(OUT_OF_RANGE, field, f"{len(value)} characters long")
    return value


def _sign_checked(value: Decimal | int, field: str, allow_negative: bool) -> None:
    if value < 0 and not allow_negative:
        raise UpstreamValueError(NEGATIVE, field, f"negative: {value}")


def decimal(row: Mapping[str, Any], field: str, *, allow_negative: bool = False) -> Decimal:
    """A BigDecimal field, exactly."""
    text = _text(row, field, "decimal")
    if _DECIMAL.fullmatch(text) is None:
        raise UpstreamValueError(NOT_A_NUMBER, field, f"not a decimal number: {text[:40]!r}")
    try:
        value = Decimal(text)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only valid text
        raise UpstreamValueError(NOT_A_NUMBER, field, f"not a decimal: {text[:40]!r}") from error
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and abs(exponent) > _MAX_EXPONENT:
        raise UpstreamValueError(OUT_OF_RANGE, field, f"exponent {exponent} out of range")
    _sign_checked(value, field, allow_negative)
    return value


def big_int(row: Mapping[str, Any], field: str, *, allow_negative: bool = False) -> int:
    """A BigInt field, exactly, however many bits it has (up to 200 digits)."""
    text = _text(row, field, "integer")
    if _INTEGER.fullmatch(text) is None:
        raise UpstreamValueError(NOT_A_NUMBER, field, f"not an integer: {text[:40]!r}")
    value = int(text)
    _sign_checked(value, field, allow_negative)
    return value


def int_number(row: Mapping[str, Any], field: str) -> int:
    """An Int field (a JSON number), not negative."""
    value = _present(row, field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UpstreamValueError(
            WRONG_TYPE, field, f"expected an integer, got {type(value).__name__}"
        )
    _sign_checked(value, field, allow_negative=False)
    return value


def entity_id(row: Mapping[str, Any], field: str = "id") -> str:
    """An entity id (ID or Bytes): a non-empty string."""
    value = _text(row, field, "id")
    if not value:
        raise UpstreamValueError(MISSING_FIELD, field, "empty")
    return value


def reference_id(row: Mapping[str, Any], field: str) -> str:
    """The id of a referenced entity, asked for as `field { id }`."""
    value = _present(row, field)
    if not isinstance(value, Mapping):
        raise UpstreamValueError(
            WRONG_TYPE, field, f"expected an object with an id, got {type(value).__name__}"
        )
    try:
        return entity_id(value)
    except UpstreamValueError as error:
        raise UpstreamValueError(error.reason, f"{field}.id", error.detail) from None


def optional_text(row: Mapping[str, Any], field: str) -> str | None:
    """A nullable string field: None when absent or empty."""
    value = row.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UpstreamValueError(
            WRONG_TYPE, field, f"expected a string, got {type(value).__name__}"
        )
    return value[:_MAX_TEXT]


def finite_float(value: Decimal | int, field: str) -> float:
    """`value` as a float for a measure; refused if no float can hold it."""
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        raise UpstreamValueError(OUT_OF_RANGE, field, "too large for a float")
    return result
