"""The connector's own records of a pool, one shape whichever subgraph schema they came from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

__all__ = ["PoolHour", "PoolIdentity", "PoolSnapshot", "PoolState"]


@dataclass(frozen=True)
class PoolIdentity:
    """Which pool: its address and a readable pair name (`WETH-USDC`)."""

    pool_id: str
    pair: str
    stable: bool = False  # both tokens are dollar stablecoins (`stablecoins.py`)


class PoolState(BaseModel):
    """What a pool holds at a moment (levels, not flows): carried forward over quiet hours.

    Exact decimals; a pydantic model because the checkpoint keeps it (as strings).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tvl_usd: Decimal
    liquidity: Decimal
    price: Decimal


@dataclass(frozen=True)
class PoolSnapshot:
    """A pool as of one block: its state and its cumulative counters since creation."""

    identity: PoolIdentity
    state: PoolState
    volume_usd: Decimal
    fees_usd: Decimal
    tx_count: int


@dataclass(frozen=True)
class PoolHour:
    """One hour of one pool: the state at its last event and the hour's flows."""

    pool_id: str
    start: int
    state: PoolState
    volume_usd: Decimal
    fees_usd: Decimal
    tx_count: int
