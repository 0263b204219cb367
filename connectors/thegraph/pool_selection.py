"""Which pools to watch: a fixed list, or the top N by value locked, refreshed now and then."""

from __future__ import annotations

from dataclasses import dataclass

from dexwatch.connectors.thegraph.block_reader import BlockReader
from dexwatch.connectors.thegraph.errors import RetryableQueryError
from dexwatch.connectors.thegraph.queries import Dialect, top_pools_document
from dexwatch.connectors.thegraph.settings import TheGraphSettings

__all__ = ["PoolSelection", "select_pools"]


@dataclass(frozen=True)
class PoolSelection:
    pools: tuple[str, ...]
    selected_at: float | None


async def select_pools(
    reader: BlockReader,
    dialect: Dialect,
    settings: TheGraphSettings,
    previous: PoolSelection,
    now: float,
) -> PoolSelection:
    """The pools for this poll: the configured list, or the (possibly cached) top N."""
    if settings.top_pools is None:
        return PoolSelection(settings.pools, previous.selected_at)
    fresh = previous.selected_at is not None and now - previous.selected_at < (
        settings.top_pools_refresh_s
    )
    if previous.pools and fresh:
        return previous
    data = await reader.fetch(top_pools_document(dialect), {"first": settings.top_pools})
    rows = data.get("pools")
    if not isinstance(rows, list):
        raise RetryableQueryError("the answer's 'pools' is not a list", "protocol_error")
    ids = [row.get("id") for row in rows if isinstance(row, dict)]
    pools = tuple(dict.fromkeys(pool.lower() for pool in ids if isinstance(pool, str) and pool))
    return PoolSelection(pools, now)
