"""Rows of the v3 and v2 subgraph schemas mapped to one record shape.

| record         | v3 (Uniswap v3, SushiSwap v3)      | v2 (Uniswap v2, SushiSwap v2)          |
| -------------- | ---------------------------------- | -------------------------------------- |
| tvl_usd        | totalValueLockedUSD / tvlUSD       | reserveUSD                             |
| liquidity      | liquidity (BigInt, in-range)       | sqrt(reserve0 * reserve1) (the pool's k) |
| price          | token0Price                        | token0Price / reserve0 / reserve1      |
| volume_usd     | volumeUSD                          | volumeUSD / hourlyVolumeUSD            |
| fees_usd       | feesUSD                            | volume * 0.3% (v2's fixed fee)         |
| tx_count       | txCount                            | txCount / hourlyTxns                   |

Each function raises `UpstreamValueError` for a value it cannot use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from dexwatch.connectors.thegraph import upstream_values as values
from dexwatch.connectors.thegraph.errors import UpstreamValueError
from dexwatch.connectors.thegraph.queries import SchemaVersion
from dexwatch.connectors.thegraph.records import PoolHour, PoolIdentity, PoolSnapshot, PoolState
from dexwatch.connectors.thegraph.stablecoins import is_stable_pair

__all__ = ["V2_FEE_RATE", "hour_of", "pool_identity", "snapshot_of"]

V2_FEE_RATE = Decimal("0.003")
_SYMBOL_LENGTH = 32

Row = Mapping[str, Any]


def pool_identity(row: Row) -> PoolIdentity:
    """The pool's id, pair name and whether it pairs two stablecoins; odd or missing symbols
    fall back to token addresses."""
    pool_id = values.entity_id(row).lower()
    symbols = _symbol(row, "token0"), _symbol(row, "token1")
    return PoolIdentity(pool_id, "-".join(symbols), is_stable_pair(*symbols))


def _symbol(row: Row, token: str) -> str:
    data = row.get(token)
    if not isinstance(data, Mapping):
        return "unknown"
    symbol = data.get("symbol")
    if isinstance(symbol, str):
        cleaned = "".join(c for c in symbol.strip() if c.isprintable() and c not in ",=\\")
        if cleaned:
            return cleaned[:_SYMBOL_LENGTH]
    token_id = data.get("id")
    return token_id[:10] if isinstance(token_id, str) and token_id else "unknown"


def _v2_state(row: Row, tvl_field: str) -> PoolState:
    reserve0 = values.decimal(row, "reserve0")
    reserve1 = values.decimal(row, "reserve1")
    if reserve1 == 0:
        raise UpstreamValueError(values.OUT_OF_RANGE, "reserve1", "zero: no price")
    with localcontext() as context:
        context.prec = 40
        liquidity = (reserve0 * reserve1).sqrt()
        price = reserve0 / reserve1
    return PoolState(tvl_usd=values.decimal(row, tvl_field), liquidity=liquidity, price=price)


def _v3_state(row: Row, tvl_field: str) -> PoolState:
    return PoolState(
        tvl_usd=values.decimal(row, tvl_field),
        liquidity=Decimal(values.big_int(row, "liquidity")),
        price=values.decimal(row, "token0Price"),
    )


@dataclass(frozen=True)
class _HourFields:
    reference: str
    start: str
    tvl: str
    volume: str
    tx_count: str


_POOL_TVL: Mapping[SchemaVersion, str] = {"v3": "totalValueLockedUSD", "v2": "reserveUSD"}
_HOUR_FIELDS: Mapping[SchemaVersion, _HourFields] = {
    "v3": _HourFields("pool", "periodStartUnix", "tvlUSD", "volumeUSD", "txCount"),
    "v2": _HourFields("pair", "hourStartUnix", "reserveUSD", "hourlyVolumeUSD", "hourlyTxns"),
}
_STATES: Mapping[SchemaVersion, Callable[[Row, str], PoolState]] = {
    "v3": _v3_state,
    "v2": _v2_state,
}


def _fees(version: SchemaVersion, row: Row, volume: Decimal) -> Decimal:
    """v3 pools have their own fee tier and count fees; v2 pools all charge 0.3%."""
    return values.decimal(row, "feesUSD") if version == "v3" else volume * V2_FEE_RATE


def snapshot_of(version: SchemaVersion, row: Row) -> PoolSnapshot:
    """A pool (v3) or pair (v2) row as a snapshot."""
    volume = values.decimal(row, "volumeUSD")
    return PoolSnapshot(
        identity=pool_identity(row),
        state=_STATES[version](row, _POOL_TVL[version]),
        volume_usd=volume,
        fees_usd=_fees(version, row, volume),
        tx_count=values.big_int(row, "txCount"),
    )


def hour_of(version: SchemaVersion, row: Row) -> PoolHour:
    """A pool-hour (v3) or pair-hour (v2) row as an hour."""
    fields = _HOUR_FIELDS[version]
    volume = values.decimal(row, fields.volume)
    return PoolHour(
        pool_id=values.reference_id(row, fields.reference).lower(),
        start=values.int_number(row, fields.start),
        state=_STATES[version](row, fields.tvl),
        volume_usd=volume,
        fees_usd=_fees(version, row, volume),
        tx_count=values.big_int(row, fields.tx_count),
    )
