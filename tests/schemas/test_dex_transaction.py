"""DexTransaction: round-trips, deterministic ids, and refuses impossible values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from dexwatch.schemas import DexTransaction, SchemaError, decode, encode, transaction_event_id
from dexwatch.schemas.json_schema import json_schemas

POOL = {"chain": "ethereum", "dex": "uniswap-v3", "pool": "0x88e6", "pair": "USDC-WETH"}


def transaction(**changes: Any) -> DexTransaction:
    values: dict[str, Any] = {
        "event_id": transaction_event_id("thegraph:ethereum:uniswap-v3", "swap", "0xabc#1"),
        "event_time": datetime(2026, 1, 5, 12, 0, 11, tzinfo=UTC),
        "source": "thegraph",
        "kind": "swap",
        "dimensions": POOL,
        "amount_usd": 15200.5,
        "price_impact": 0.0004,
        "sender": "0x1f9a",
        "transaction_hash": "0xabc",
        "block_number": 19_000_012,
        "log_index": 7,
        "upstream_id": "0xabc#1",
    }
    return DexTransaction(**(values | changes))


@given(
    amount=st.floats(min_value=0, max_value=1e15),
    impact=st.none() | st.floats(min_value=0, max_value=10),
    sender=st.none() | st.text(min_size=1, max_size=50),
    kind=st.sampled_from(["swap", "mint", "burn"]),
)
def test_round_trip_and_schema(
    amount: float, impact: float | None, sender: str | None, kind: str
) -> None:
    event = transaction(amount_usd=amount, price_impact=impact, sender=sender, kind=kind)
    payload = encode(event)
    assert decode(DexTransaction, payload) == event
    Draft202012Validator(json_schemas()["dex-transaction.schema.json"]).validate(
        orjson.loads(payload)
    )


def test_ids_depend_only_on_the_source_kind_and_upstream_entity() -> None:
    first = transaction_event_id("thegraph:ethereum:uniswap-v3", "swap", "0xabc#1")
    assert first == transaction_event_id("thegraph:ethereum:uniswap-v3", "swap", "0xabc#1")
    assert first != transaction_event_id("thegraph:ethereum:uniswap-v3", "mint", "0xabc#1")
    assert first != transaction_event_id("thegraph:ethereum:sushiswap-v3", "swap", "0xabc#1")


def test_keyed_by_the_pools_series() -> None:
    assert transaction().series_key == "chain=ethereum,dex=uniswap-v3,pair=USDC-WETH,pool=0x88e6"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount_usd", -1.0),
        ("price_impact", -0.1),
        ("kind", "transfer"),
        ("block_number", -5),
        ("sender", ""),
        ("event_time", "2026-01-05T12:00:00"),
    ],
)
def test_impossible_values_are_refused(field: str, value: object) -> None:
    document = orjson.loads(encode(transaction()))
    document[field] = value
    with pytest.raises(SchemaError) as caught:
        decode(DexTransaction, orjson.dumps(document))
    assert caught.value.reason.startswith(f"{field}: ")


def test_nan_is_refused() -> None:
    payload = encode(transaction()).replace(b'"amount_usd":15200.5', b'"amount_usd":NaN')
    with pytest.raises(SchemaError):
        decode(DexTransaction, payload)
