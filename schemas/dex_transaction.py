"""The DEX transaction event: one swap, mint or burn of one pool, as a connector saw it upstream.

Metric events carry one series' numbers per interval; a transaction carries one trade, so a
stream processor can aggregate per pool and minute what no interval metric keeps: the largest
trade, distinct senders, liquidity added and removed. Key on the topic: the pool's series key
(`dimensions`), so one pool's transactions stay in one partition, in order.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dexwatch.schemas.metric_event import DimensionName, DimensionValue, UtcDatetime, series_key

__all__ = ["TRANSACTION_KINDS", "DexTransaction", "TransactionKind", "transaction_event_id"]

TransactionKind = Literal["swap", "mint", "burn"]
TRANSACTION_KINDS: tuple[TransactionKind, ...] = ("swap", "mint", "burn")

# Fixed namespace: the same upstream transaction gets the same id in every process and run.
_TRANSACTION_NAMESPACE = uuid.UUID("9d3c0f5a-2b7e-5c41-8e6a-4f1b2d3c4e5f")

NonNegativeFinite = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


def transaction_event_id(source: str, kind: TransactionKind, upstream_id: str) -> str:
    """A deterministic id: re-reading the same upstream entity yields the same event id."""
    return str(uuid.uuid5(_TRANSACTION_NAMESPACE, f"{source}\x1f{kind}\x1f{upstream_id}"))


class DexTransaction(BaseModel):
    """One swap (a trade), mint (liquidity added) or burn (liquidity removed) in one pool.

    JSON example::

        {"event_id": "0b6c...", "event_time": "2026-01-05T12:00:11Z", "source": "thegraph",
         "kind": "swap", "dimensions": {"chain": "ethereum", "dex": "uniswap-v3",
         "pool": "0x88e6...", "pair": "USDC-WETH"}, "amount_usd": 15200.5,
         "price_impact": 0.0004, "sender": "0x1f9a...", "transaction_hash": "0x5e1d...",
         "block_number": 19000012, "log_index": 7, "upstream_id": "0x5e1d...#3921"}
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    event_id: str = Field(
        min_length=1, max_length=200, description="Deterministic: see `transaction_event_id()`."
    )
    event_time: UtcDatetime = Field(description="The block's timestamp.")
    source: str = Field(min_length=1, max_length=200, description="Who produced the event.")
    kind: TransactionKind
    dimensions: dict[DimensionName, DimensionValue] = Field(
        max_length=32, description="The pool the transaction belongs to (chain, dex, pool, pair)."
    )
    amount_usd: NonNegativeFinite = Field(
        description="USD value: traded for a swap, deposited for a mint, withdrawn for a burn."
    )
    price_impact: NonNegativeFinite | None = Field(
        default=None,
        description="Relative price move caused by a swap, |after / before - 1|, where known.",
    )
    sender: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The account that sent the transaction (its origin), where known.",
    )
    transaction_hash: str = Field(min_length=1, max_length=200)
    block_number: int = Field(ge=0)
    log_index: int | None = Field(default=None, ge=0)
    upstream_id: str = Field(
        min_length=1, max_length=200, description="The entity's id in its source (for tracing)."
    )

    @property
    def series_key(self) -> str:
        """The pool's series key: the record's key on the transactions topic."""
        return series_key(self.dimensions)
