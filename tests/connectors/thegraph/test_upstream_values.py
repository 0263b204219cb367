"""Upstream numbers are read exactly, and bad ones are refused with a bounded reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dexwatch.connectors.thegraph import upstream_values as values
from dexwatch.connectors.thegraph.errors import UpstreamValueError

UINT128_MAX = 2**128 - 1


def refused(call: Any, *args: Any, **kwargs: Any) -> UpstreamValueError:
    with pytest.raises(UpstreamValueError) as caught:
        call(*args, **kwargs)
    assert caught.value.reason in values.REJECTION_REASONS
    return caught.value


def test_big_decimal_strings_are_exact() -> None:
    row = {"tvl": "1234.567890123456789012345678901234"}
    assert values.decimal(row, "tvl") == Decimal("1234.567890123456789012345678901234")
    assert values.decimal({"x": "1e-18"}, "x") == Decimal("1E-18")


def test_big_ints_beyond_64_bits_are_kept_whole() -> None:
    row = {"liquidity": str(UINT128_MAX), "sqrtPrice": str(2**159 + 7)}
    assert values.big_int(row, "liquidity") == UINT128_MAX
    assert values.big_int(row, "sqrtPrice") == 2**159 + 7
    assert values.finite_float(UINT128_MAX, "liquidity") == pytest.approx(3.402823669e38)


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=0, places=18))
def test_any_plain_decimal_round_trips(number: Decimal) -> None:
    assert values.decimal({"x": format(number, "f")}, "x") == number


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("NaN", values.NOT_A_NUMBER),
        ("nan", values.NOT_A_NUMBER),
        ("Infinity", values.NOT_A_NUMBER),
        ("-inf", values.NOT_A_NUMBER),
        ("", values.NOT_A_NUMBER),
        ("12,5", values.NOT_A_NUMBER),
        ("0x10", values.NOT_A_NUMBER),
        (" 1", values.NOT_A_NUMBER),
        ("1_000", values.NOT_A_NUMBER),
        ("-12.5", values.NEGATIVE),
        ("1e999999", values.OUT_OF_RANGE),
        ("9" * 250, values.OUT_OF_RANGE),
    ],
)
def test_bad_decimals_are_refused_with_their_reason(text: str, reason: str) -> None:
    error = refused(values.decimal, {"tvlUSD": text}, "tvlUSD")
    assert error.reason == reason
    assert error.field == "tvlUSD"


def test_negative_is_allowed_only_when_asked() -> None:
    assert values.decimal({"x": "-3.5"}, "x", allow_negative=True) == Decimal("-3.5")
    assert refused(values.big_int, {"x": "-3"}, "x").reason == values.NEGATIVE


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({}, values.MISSING_FIELD),
        ({"x": None}, values.MISSING_FIELD),
        ({"x": 12.5}, values.WRONG_TYPE),
        ({"x": ["1"]}, values.WRONG_TYPE),
        ({"x": "1.5"}, values.NOT_A_NUMBER),
    ],
)
def test_missing_and_mistyped_big_ints_are_refused(row: dict[str, Any], reason: str) -> None:
    assert refused(values.big_int, row, "x").reason == reason


def test_int_fields_are_json_numbers() -> None:
    assert values.int_number({"periodStartUnix": 1767571200}, "periodStartUnix") == 1767571200
    assert refused(values.int_number, {"x": "12"}, "x").reason == values.WRONG_TYPE
    assert refused(values.int_number, {"x": True}, "x").reason == values.WRONG_TYPE
    assert refused(values.int_number, {"x": -1}, "x").reason == values.NEGATIVE


def test_references_and_ids() -> None:
    assert values.reference_id({"pool": {"id": "0xAB"}}, "pool") == "0xAB"
    error = refused(values.reference_id, {"pool": {"id": None}}, "pool")
    assert (error.reason, error.field) == (values.MISSING_FIELD, "pool.id")
    assert refused(values.reference_id, {"pool": "0xab"}, "pool").reason == values.WRONG_TYPE
    assert refused(values.entity_id, {"id": ""}).reason == values.MISSING_FIELD
    assert values.optional_text({"origin": ""}, "origin") is None


def test_floats_that_cannot_hold_the_value_are_refused() -> None:
    assert refused(values.finite_float, 10**400, "liquidity").reason == values.OUT_OF_RANGE
    assert refused(values.finite_float, Decimal("1e400"), "tvl").reason == values.OUT_OF_RANGE
