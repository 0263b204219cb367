"""The GraphQL documents we send, for the v3 and v2 subgraph schemas.

We ask only for the fields we use (fields get removed upstream: schema drift), alias every
collection to a schema-neutral name, and page every collection by `id_gt` (never `skip`). Each
document also asks for `_meta` at the same block, so every answer says which block it is from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from dexwatch.schemas.dex_transaction import TRANSACTION_KINDS, TransactionKind

__all__ = [
    "DIALECTS",
    "META_SELECTION",
    "TRANSACTION_COLLECTIONS",
    "Dialect",
    "PagedRoot",
    "SchemaVersion",
    "hours_root",
    "paged_document",
    "snapshot_root",
    "top_pools_document",
    "transaction_roots",
]

SchemaVersion = Literal["v3", "v2"]

META_SELECTION = "_meta(block: $block) { block { number hash timestamp } hasIndexingErrors }"
_TRANSACTION_SELECTION = "id timestamp logIndex amountUSD transaction { id blockNumber }"


@dataclass(frozen=True)
class Dialect:
    """Where one subgraph schema keeps what we read: entity and field names."""

    version: SchemaVersion
    pools: str
    pool_selection: str
    tvl_field: str
    hours: str
    hour_selection: str
    hour_start: str
    pool_reference: str
    # Per transaction kind: the field naming the account behind it (the origin, not a router).
    transaction_senders: Mapping[TransactionKind, str]
    # The pool's price after a swap, where the schema has it (for the price impact).
    swap_price_field: str | None


_V3 = Dialect(
    version="v3",
    pools="pools",
    pool_selection=(
        "id liquidity token0Price totalValueLockedUSD volumeUSD feesUSD txCount "
        "token0 { id symbol } token1 { id symbol }"
    ),
    tvl_field="totalValueLockedUSD",
    hours="poolHourDatas",
    hour_selection=(
        "id periodStartUnix pool { id } liquidity token0Price tvlUSD volumeUSD feesUSD txCount"
    ),
    hour_start="periodStartUnix",
    pool_reference="pool",
    transaction_senders={"swap": "origin", "mint": "origin", "burn": "origin"},
    swap_price_field="sqrtPriceX96",
)

_V2 = Dialect(
    version="v2",
    pools="pairs",
    pool_selection=(
        "id reserve0 reserve1 reserveUSD token0Price volumeUSD txCount "
        "token0 { id symbol } token1 { id symbol }"
    ),
    tvl_field="reserveUSD",
    hours="pairHourDatas",
    hour_selection="id hourStartUnix pair { id } reserve0 reserve1 reserveUSD hourlyVolumeUSD "
    "hourlyTxns",
    hour_start="hourStartUnix",
    pool_reference="pair",
    transaction_senders={"swap": "from", "mint": "to", "burn": "to"},
    swap_price_field=None,
)

DIALECTS: Mapping[SchemaVersion, Dialect] = {"v3": _V3, "v2": _V2}

TRANSACTION_COLLECTIONS: Mapping[TransactionKind, str] = {
    "swap": "swaps",
    "mint": "mints",
    "burn": "burns",
}


@dataclass(frozen=True)
class PagedRoot:
    """One collection read page by page: `alias: field(where: {filter, id_gt: cursor})`."""

    alias: str
    field: str
    filter: str
    selection: str


def snapshot_root(dialect: Dialect) -> PagedRoot:
    """The pools (or pairs) themselves: state and cumulative counters. Variable: `$ids`."""
    return PagedRoot("pools", dialect.pools, "id_in: $ids", dialect.pool_selection)


def hours_root(dialect: Dialect) -> PagedRoot:
    """Hourly rows of the pools since an hour. Variables: `$pools`, `$from`."""
    where = f"{dialect.pool_reference}_in: $pools, {dialect.hour_start}_gte: $from"
    return PagedRoot("hours", dialect.hours, where, dialect.hour_selection)


def transaction_roots(dialect: Dialect) -> list[PagedRoot]:
    """Swaps, mints and burns in a time window. Variables: `$pools`, `$since`, `$until`."""
    where = f"{dialect.pool_reference}_in: $pools, timestamp_gt: $since, timestamp_lte: $until"
    reference = f"{dialect.pool_reference} {{ id }}"
    roots = []
    for kind in TRANSACTION_KINDS:
        fields = [_TRANSACTION_SELECTION, reference, dialect.transaction_senders[kind]]
        if kind == "swap" and dialect.swap_price_field is not None:
            fields.append(dialect.swap_price_field)
        roots.append(PagedRoot(kind, TRANSACTION_COLLECTIONS[kind], where, " ".join(fields)))
    return roots


def paged_document(
    operation: str, variable_types: Mapping[str, str], roots: Sequence[PagedRoot]
) -> str:
    """A query reading the next page of each of `roots`, with `_meta`.

    Variables: `$block`, `$first`, one `$after_<alias>` per root, and `variable_types` (name to
    GraphQL type), which every root's filter uses.
    """
    declarations = ["$block: Block_height!", "$first: Int!"]
    declarations += [f"${name}: {kind}" for name, kind in variable_types.items()]
    declarations += [f"$after_{root.alias}: ID!" for root in roots]
    selections = [
        f"{root.alias}: {root.field}(first: $first, "
        f"where: {{{root.filter}, id_gt: $after_{root.alias}}}, orderBy: id, "
        f"orderDirection: asc, block: $block, subgraphError: allow) {{ {root.selection} }}"
        for root in roots
    ]
    body = " ".join([*selections, META_SELECTION])
    return f"query {operation}({', '.join(declarations)}) {{ {body} }}"


def top_pools_document(dialect: Dialect) -> str:
    """The ids of the `$first` pools with the most value locked."""
    return (
        "query TopPools($block: Block_height!, $first: Int!) { "
        f"pools: {dialect.pools}(first: $first, orderBy: {dialect.tvl_field}, "
        "orderDirection: desc, block: $block, subgraphError: allow) { id } "
        f"{META_SELECTION} }}"
    )
