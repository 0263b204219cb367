"""Swap, mint and burn rows of either schema as `DexTransaction` events.

The sender is the account behind the transaction (v3 `origin`, v2 swap `from`, v2 mint and burn
`to`), not the router contract most trades pass through: distinct senders are what tell
wash trading from a crowd. A swap's price impact is |p_after / p_before - 1| from the pool's
`sqrtPriceX96` after it and after the pool's previous swap (v3 only; v2 swaps do not carry the
price, so theirs is left out).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from typing import Any

from dexwatch.connectors.thegraph import upstream_values as values
from dexwatch.connectors.thegraph.errors import UpstreamValueError
from dexwatch.connectors.thegraph.pool_events import SOURCE
from dexwatch.connectors.thegraph.queries import Dialect
from dexwatch.connectors.thegraph.records import PoolIdentity
from dexwatch.schemas.dex_transaction import DexTransaction, TransactionKind, transaction_event_id

__all__ = ["UpstreamTransaction", "parse_transaction", "price_impact", "transaction_event"]


@dataclass(frozen=True)
class UpstreamTransaction:
    """The fields we use of one swap, mint or burn, read exactly."""

    kind: TransactionKind
    upstream_id: str
    pool_id: str
    timestamp: int
    block_number: int
    log_index: int | None
    transaction_hash: str
    amount_usd: Decimal
    sender: str | None
    sqrt_price: int | None

    @property
    def order(self) -> tuple[int, int, str]:
        """Chain order: block, then position in the block."""
        return self.block_number, -1 if self.log_index is None else self.log_index, self.upstream_id


def parse_transaction(
    kind: TransactionKind, row: Mapping[str, Any], dialect: Dialect
) -> UpstreamTransaction:
    """The row's fields; `UpstreamValueError` for one that cannot be used."""
    transaction = row.get("transaction")
    if not isinstance(transaction, Mapping):
        raise UpstreamValueError(values.MISSING_FIELD, "transaction", "missing or null")
    sqrt_price = None
    if kind == "swap" and dialect.swap_price_field is not None:
        sqrt_price = values.big_int(row, dialect.swap_price_field)
    return UpstreamTransaction(
        kind=kind,
        upstream_id=values.entity_id(row),
        pool_id=values.reference_id(row, dialect.pool_reference).lower(),
        timestamp=values.big_int(row, "timestamp"),
        block_number=values.big_int(transaction, "blockNumber"),
        log_index=values.big_int(row, "logIndex") if row.get("logIndex") is not None else None,
        transaction_hash=values.entity_id(transaction),
        amount_usd=values.decimal(row, "amountUSD"),
        sender=values.optional_text(row, dialect.transaction_senders[kind]),
        sqrt_price=sqrt_price,
    )


def price_impact(before: int | None, after: int | None) -> float | None:
    """|p_after / p_before - 1| with p = sqrtPrice², or None when either is unknown or zero."""
    if before is None or after is None or before == 0:
        return None
    with localcontext() as context:
        context.prec = 50
        ratio = (Decimal(after) / Decimal(before)) ** 2
    impact = float(abs(ratio - 1))
    return impact if impact == impact and impact != float("inf") else None


def transaction_event(
    parsed: UpstreamTransaction,
    identity: PoolIdentity,
    *,
    chain: str,
    dex: str,
    impact: float | None,
) -> DexTransaction:
    """The `DexTransaction`; its id depends only on the source and the upstream entity."""
    return DexTransaction(
        event_id=transaction_event_id(f"{SOURCE}:{chain}:{dex}", parsed.kind, parsed.upstream_id),
        event_time=datetime.fromtimestamp(parsed.timestamp, UTC),
        source=SOURCE,
        kind=parsed.kind,
        dimensions={"chain": chain, "dex": dex, "pool": identity.pool_id, "pair": identity.pair},
        amount_usd=values.finite_float(parsed.amount_usd, "amountUSD"),
        price_impact=impact,
        sender=parsed.sender,
        transaction_hash=parsed.transaction_hash,
        block_number=parsed.block_number,
        log_index=parsed.log_index,
        upstream_id=parsed.upstream_id,
    )
