"""One poll of swaps, mints and burns: everything in a time window, as events keyed by pool.

The cursor is a block timestamp: the window is (cursor, until], with `until` the pinned block's
timestamp (capped at `max_window_s` past the cursor, to catch up in bounded steps). Block
timestamps only grow, so every transaction up to the pinned block's time is already indexed
there: the window is complete, and the next one starts exactly where it ended. Inside the
window rows are paged by id, at the pinned block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dexwatch.connectors.thegraph.block_reader import BlockReader
from dexwatch.connectors.thegraph.checkpoint import PoolProgress
from dexwatch.connectors.thegraph.errors import UpstreamValueError
from dexwatch.connectors.thegraph.paging import fetch_pages
from dexwatch.connectors.thegraph.queries import TRANSACTION_COLLECTIONS, Dialect, transaction_roots
from dexwatch.connectors.thegraph.records import PoolIdentity
from dexwatch.connectors.thegraph.rejections import Rejection, row_id
from dexwatch.connectors.thegraph.transaction_mapping import (
    UpstreamTransaction,
    parse_transaction,
    price_impact,
    transaction_event,
)
from dexwatch.schemas.dex_transaction import TRANSACTION_KINDS, DexTransaction

__all__ = ["TransactionPoll", "TransactionWindow", "poll_transactions", "transaction_window"]


@dataclass(frozen=True)
class TransactionWindow:
    since: int
    until: int
    behind: bool


def transaction_window(
    cursor: int | None, block_timestamp: int, *, backfill_s: int, max_window_s: int
) -> TransactionWindow:
    """The (since, until] to read now; `behind` when the block is further than one window."""
    since = cursor if cursor is not None else block_timestamp - backfill_s
    until = min(block_timestamp, since + max_window_s)
    return TransactionWindow(since, max(since, until), until < block_timestamp)


@dataclass
class TransactionPoll:
    window: TransactionWindow
    transactions: list[DexTransaction] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    last_sqrt_prices: dict[str, int] = field(default_factory=dict)


async def poll_transactions(
    reader: BlockReader,
    dialect: Dialect,
    identities: Mapping[str, PoolIdentity],
    progress: Mapping[str, PoolProgress],
    window: TransactionWindow,
    *,
    chain: str,
    dex: str,
    page_size: int,
) -> TransactionPoll:
    """The transactions of the pools in `identities` inside `window`, in chain order."""
    poll = TransactionPoll(window)
    if window.until <= window.since or not identities:
        return poll
    pages = await fetch_pages(
        reader,
        "PoolTransactions",
        transaction_roots(dialect),
        {
            "pools": ("[String!]!", sorted(identities)),
            "since": ("BigInt!", str(window.since)),
            "until": ("BigInt!", str(window.until)),
        },
        page_size,
    )
    parsed = _parse_rows(poll, dialect, pages)
    prices = {
        pool: int(p.last_sqrt_price)
        for pool, p in progress.items()
        if p.last_sqrt_price is not None and pool in identities
    }
    for item, row in sorted(parsed, key=lambda pair: pair[0].order):
        identity = identities.get(item.pool_id)
        if identity is None:
            continue
        impact = None
        if item.sqrt_price is not None:
            impact = price_impact(prices.get(item.pool_id), item.sqrt_price)
            prices[item.pool_id] = item.sqrt_price
        try:
            event = transaction_event(item, identity, chain=chain, dex=dex, impact=impact)
        except UpstreamValueError as error:
            entity = TRANSACTION_COLLECTIONS[item.kind]
            poll.rejections.append(Rejection(entity, item.upstream_id, row, error))
            continue
        poll.transactions.append(event)
    poll.last_sqrt_prices = prices
    return poll


def _parse_rows(
    poll: TransactionPoll, dialect: Dialect, pages: Mapping[str, Sequence[dict[str, object]]]
) -> list[tuple[UpstreamTransaction, Mapping[str, object]]]:
    parsed: list[tuple[UpstreamTransaction, Mapping[str, object]]] = []
    for kind in TRANSACTION_KINDS:
        for row in pages[kind]:
            try:
                parsed.append((parse_transaction(kind, row, dialect), row))
            except UpstreamValueError as error:
                entity = TRANSACTION_COLLECTIONS[kind]
                poll.rejections.append(Rejection(entity, row_id(row), row, error))
    return parsed
