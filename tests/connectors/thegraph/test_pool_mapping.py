"""v3 and v2 rows map to one record shape, with v2's fee, price and liquidity derived."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dexwatch.connectors.thegraph.errors import UpstreamValueError
from dexwatch.connectors.thegraph.pool_mapping import hour_of, pool_identity, snapshot_of

V3_POOL: dict[str, Any] = {
    "id": "0x88E6A0C2DDD26FEEB64F039A2C41296FCB3F5640",
    "liquidity": "34028236692093846346337460743176821145",
    "token0Price": "0.000312",
    "totalValueLockedUSD": "123456789.123456789",
    "volumeUSD": "999999999999.5",
    "feesUSD": "1234.5",
    "txCount": "4200000",
    "token0": {"id": "0xa0b8", "symbol": "USDC"},
    "token1": {"id": "0xc02a", "symbol": "WETH"},
}
V2_HOUR: dict[str, Any] = {
    "id": "0xpair-490992",
    "hourStartUnix": 1767571200,
    "pair": {"id": "0xPAIR"},
    "reserve0": "400",
    "reserve1": "100",
    "reserveUSD": "2000",
    "hourlyVolumeUSD": "1000",
    "hourlyTxns": "12",
}


def test_v3_snapshot_keeps_exact_values() -> None:
    snapshot = snapshot_of("v3", V3_POOL)
    assert snapshot.identity.pool_id == "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640"
    assert snapshot.identity.pair == "USDC-WETH"
    assert snapshot.state.liquidity == Decimal("34028236692093846346337460743176821145")
    assert snapshot.state.tvl_usd == Decimal("123456789.123456789")
    assert snapshot.volume_usd == Decimal("999999999999.5")
    assert snapshot.tx_count == 4_200_000


def test_v2_hour_derives_fees_price_and_liquidity() -> None:
    hour = hour_of("v2", V2_HOUR)
    assert hour.pool_id == "0xpair"
    assert hour.start == 1767571200
    assert hour.fees_usd == Decimal("3.000")  # 0.3% of the volume
    assert hour.state.price == Decimal(4)  # reserve0 / reserve1, as v2's token0Price
    assert hour.state.liquidity == Decimal(200)  # sqrt(reserve0 * reserve1)
    assert hour.tx_count == 12


def test_v3_and_v2_give_the_same_record_shape() -> None:
    v3_hour = hour_of(
        "v3",
        {
            "id": "0xpool-1",
            "periodStartUnix": 3600,
            "pool": {"id": "0xpool"},
            "liquidity": "5",
            "token0Price": "2",
            "tvlUSD": "10",
            "volumeUSD": "1",
            "feesUSD": "0.003",
            "txCount": "1",
        },
    )
    v2_hour = hour_of("v2", V2_HOUR)
    assert type(v3_hour) is type(v2_hour)
    assert set(vars(v3_hour)) == set(vars(v2_hour))


@pytest.mark.parametrize(
    ("change", "reason", "field"),
    [
        ({"totalValueLockedUSD": "-5"}, "negative", "totalValueLockedUSD"),
        ({"volumeUSD": "NaN"}, "not_a_number", "volumeUSD"),
        ({"liquidity": None}, "missing_field", "liquidity"),
        ({"txCount": 7}, "wrong_type", "txCount"),
    ],
)
def test_bad_v3_values_are_refused(change: dict[str, Any], reason: str, field: str) -> None:
    with pytest.raises(UpstreamValueError) as caught:
        snapshot_of("v3", V3_POOL | change)
    assert (caught.value.reason, caught.value.field) == (reason, field)


def test_v2_without_reserve1_has_no_price() -> None:
    with pytest.raises(UpstreamValueError) as caught:
        hour_of("v2", V2_HOUR | {"reserve1": "0"})
    assert caught.value.reason == "out_of_range"


def test_odd_symbols_fall_back_to_the_token_address() -> None:
    row = V3_POOL | {"token0": {"id": "0xdeadbeef00", "symbol": " ,= "}, "token1": None}
    assert pool_identity(row).pair == "0xdeadbeef-unknown"
