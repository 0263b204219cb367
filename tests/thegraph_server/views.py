"""The dataset as subgraph entities (v3 or v2 field names) as of a block.

Pools and hour rows are computed from the events up to the block, as an indexer would have
them: the current hour's row grows while the hour goes on, and an hour without events has no
row. Transactions are fixed once made, so they are built once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal, localcontext
from typing import Any, Literal

from tests.thegraph_server.dataset import Q96, ChainEvent, Dataset, PoolHistory, PoolProfile

__all__ = ["Row", "SchemaName", "SubgraphView"]

Row = dict[str, Any]
SchemaName = Literal["v3", "v2"]

_V2_FEE = Decimal("0.003")
_PRICE_DIGITS = Decimal("1e-18")
_ROUTER = "0x7a250d5630b4cf539739df2c5dacb4c659f2488d"


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != 0 else "0"


def _price(sqrt_price: int) -> Decimal:
    with localcontext() as context:
        context.prec = 40
        return ((Decimal(sqrt_price) / Q96) ** 2).quantize(_PRICE_DIGITS)


def _tick(sqrt_price: int) -> int:
    price = (sqrt_price / Q96) ** 2
    return math.floor(math.log(price, 1.0001)) if price > 0 else 0


class SubgraphView:
    """Entity rows of one schema over one dataset."""

    def __init__(self, dataset: Dataset, schema: SchemaName) -> None:
        self.dataset = dataset
        self.schema = schema
        names = ("Pool", "PoolHourData") if schema == "v3" else ("Pair", "PairHourData")
        self.pool_entity, self.hour_entity = names
        self.transactions: dict[str, list[Row]] = {"Swap": [], "Mint": [], "Burn": []}
        for history in dataset.pools:
            for event in history.events:
                self.transactions[event.kind.capitalize()].append(self._transaction(event))

    def collection(self, entity: str, block: int) -> list[Row]:
        """Every row of `entity` visible at `block`."""
        if entity == self.pool_entity:
            return [self._pool(history, block) for history in self.dataset.pools]
        if entity == self.hour_entity:
            return [row for history in self.dataset.pools for row in self._hours(history, block)]
        return [row for row in self.transactions[entity] if row["_block"] <= block]

    # ------------------------------------------------------------------ pools and hours

    def _pool(self, history: PoolHistory, block: int) -> Row:
        profile = history.profile
        count = history.count_at(block)
        last = history.events[count - 1] if count else None
        volume = profile.initial_volume_usd + history.volume[count]
        fee = Decimal(profile.fee_tier) / Decimal(1_000_000) if self.schema == "v3" else _V2_FEE
        row: Row = {
            "id": profile.id,
            "createdAtTimestamp": str(profile.created_at),
            "token0": _token(profile, 0),
            "token1": _token(profile, 1),
            "volumeUSD": _text(volume),
            "txCount": str(profile.initial_tx_count + count),
        }
        state = _state(profile, last)
        if self.schema == "v3":
            row |= {"feeTier": str(profile.fee_tier), "feesUSD": _text(volume * fee)}
            row |= self._v3_state(*state, tvl_field="totalValueLockedUSD")
        else:
            row |= self._v2_state(*state)
        return row

    def _hours(self, history: PoolHistory, block: int) -> list[Row]:
        count = history.count_at(block)
        rows = []
        for hour, (first, end) in history.hours.items():
            end = min(end, count)
            if end <= first:
                continue
            last = history.events[end - 1]
            volume = history.volume[end] - history.volume[first]
            pool = {"id": history.profile.id}
            state = (last.tvl_usd, last.liquidity, last.sqrt_price)
            if self.schema == "v3":
                fee = Decimal(history.profile.fee_tier) / Decimal(1_000_000)
                row: Row = {"periodStartUnix": hour, "pool": pool, "feesUSD": _text(volume * fee)}
                row |= {"volumeUSD": _text(volume), "txCount": str(end - first)}
                row |= self._v3_state(*state, tvl_field="tvlUSD")
            else:
                row = {"hourStartUnix": hour, "pair": pool, "hourlyVolumeUSD": _text(volume)}
                row |= {"hourlyTxns": str(end - first)} | self._v2_state(*state)
            rows.append({"id": f"{history.profile.id}-{hour // 3600}", **row})
        return rows

    @staticmethod
    def _v3_state(tvl: Decimal, liquidity: int, sqrt_price: int, *, tvl_field: str) -> Row:
        price = _price(sqrt_price)
        return {
            tvl_field: _text(tvl),
            "liquidity": str(liquidity),
            "sqrtPrice": str(sqrt_price),
            "token0Price": _text(price),
            "token1Price": _text((1 / price).quantize(_PRICE_DIGITS)) if price else "0",
            "tick": str(_tick(sqrt_price)),
        }

    @staticmethod
    def _v2_state(tvl: Decimal, liquidity: int, sqrt_price: int) -> Row:
        with localcontext() as context:
            context.prec = 40
            root_k = Decimal(liquidity) / Decimal(10**18)
            root_price = Decimal(sqrt_price) / Q96
            reserve0 = (root_k * root_price).quantize(_PRICE_DIGITS)
            reserve1 = (root_k / root_price).quantize(_PRICE_DIGITS)
            price0 = (reserve0 / reserve1).quantize(_PRICE_DIGITS)
        return {
            "reserve0": _text(reserve0),
            "reserve1": _text(reserve1),
            "totalSupply": _text(root_k),
            "reserveUSD": _text(tvl),
            "token0Price": _text(price0),
            "token1Price": _text((1 / price0).quantize(_PRICE_DIGITS)),
        }

    # ------------------------------------------------------------------ transactions

    def _transaction(self, event: ChainEvent) -> Row:
        profile = self.dataset.pools[event.pool].profile
        reference = "pool" if self.schema == "v3" else "pair"
        row: Row = {
            "id": f"{event.tx_hash}#{event.log_index}"
            if self.schema == "v3"
            else f"{event.tx_hash}-0",
            "_block": event.block,
            "transaction": {
                "id": event.tx_hash,
                "blockNumber": str(event.block),
                "timestamp": str(event.timestamp),
            },
            "timestamp": str(event.timestamp),
            reference: {"id": profile.id},
            "amountUSD": _text(event.amount_usd),
            "logIndex": str(event.log_index),
        }
        row |= _SENDERS[self.schema][event.kind](event)
        if self.schema == "v3" and event.kind == "swap":
            row |= {"sqrtPriceX96": str(event.sqrt_price), "tick": str(_tick(event.sqrt_price))}
        elif event.kind != "swap":
            row["amount" if self.schema == "v3" else "liquidity"] = str(event.liquidity // 1000)
        return row


def _token(profile: PoolProfile, which: int) -> Row:
    token = profile.token0 if which == 0 else profile.token1
    return {"id": token.id, "symbol": token.symbol, "name": token.symbol, "decimals": "18"}


def _state(profile: PoolProfile, last: ChainEvent | None) -> tuple[Decimal, int, int]:
    if last is None:
        return profile.initial_tvl_usd, profile.initial_liquidity, profile.initial_sqrt_price
    return last.tvl_usd, last.liquidity, last.sqrt_price


_SENDERS: Mapping[SchemaName, Mapping[str, Callable[[ChainEvent], Row]]] = {
    "v3": {
        "swap": lambda e: {"sender": _ROUTER, "recipient": e.origin, "origin": e.origin},
        "mint": lambda e: {"owner": e.origin, "sender": _ROUTER, "origin": e.origin},
        "burn": lambda e: {"owner": e.origin, "origin": e.origin},
    },
    "v2": {
        "swap": lambda e: {"sender": _ROUTER, "from": e.origin, "to": e.origin},
        "mint": lambda e: {"to": e.origin, "sender": _ROUTER},
        "burn": lambda e: {"sender": _ROUTER, "to": e.origin},
    },
}
