"""One poll of the watched pools: per-poll snapshot deltas and the newly final hours.

Reads, at the poll's pinned block, the pools themselves (state and cumulative counters) and
their hour rows since the earliest hour any pool still needs; turns them into points of the
`snapshot` and `hourly` feeds; refuses (for the dead-letter topic) any row it cannot read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dexwatch.connectors.thegraph.block_reader import BlockReader, BlockRef
from dexwatch.connectors.thegraph.checkpoint import PoolProgress
from dexwatch.connectors.thegraph.errors import UpstreamValueError
from dexwatch.connectors.thegraph.hour_filling import HOUR_S, fill_hours, final_hours_end
from dexwatch.connectors.thegraph.paging import fetch_pages
from dexwatch.connectors.thegraph.pool_events import PoolPoint
from dexwatch.connectors.thegraph.pool_mapping import hour_of, pool_identity, snapshot_of
from dexwatch.connectors.thegraph.queries import Dialect, hours_root, snapshot_root
from dexwatch.connectors.thegraph.records import PoolHour, PoolIdentity
from dexwatch.connectors.thegraph.rejections import Rejection, row_id
from dexwatch.connectors.thegraph.snapshot_deltas import snapshot_delta

__all__ = ["PoolPoll", "poll_pools"]

_LOG = logging.getLogger("dexwatch.connectors.thegraph.pool_poller")


@dataclass
class PoolPoll:
    """What one poll of the pools produced, and where each pool now stands."""

    block: BlockRef
    identities: dict[str, PoolIdentity] = field(default_factory=dict)
    points: list[PoolPoint] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    progress: dict[str, PoolProgress] = field(default_factory=dict)
    filled_hours: int = 0


async def poll_pools(
    reader: BlockReader,
    dialect: Dialect,
    pool_ids: Sequence[str],
    progress: Mapping[str, PoolProgress],
    *,
    page_size: int,
    backfill_hours: int,
) -> PoolPoll:
    """Snapshot and hour points of `pool_ids`, reading at `reader`'s block."""
    pages = await fetch_pages(
        reader,
        "PoolSnapshots",
        [snapshot_root(dialect)],
        {"ids": ("[ID!]!", list(pool_ids))},
        page_size,
    )
    block = reader.pinned
    if block is None:  # pragma: no cover - fetch_pages always reads at least once
        raise RuntimeError("no block pinned after the first read")
    poll = PoolPoll(block, progress={pool: progress.get(pool, PoolProgress()) for pool in pool_ids})
    _take_snapshots(poll, dialect, pages["pools"])
    missing = sorted(set(pool_ids) - set(poll.identities))
    if missing:
        _LOG.warning("%d pool(s) not found in the subgraph, e.g. %s", len(missing), missing[0])
    await _take_hours(poll, reader, dialect, page_size=page_size, backfill_hours=backfill_hours)
    # Hour by hour across pools, not pool after pool: a consumer's event time then never runs
    # ahead of a pool's history (a backfill sent pool by pool made every other pool late).
    poll.points.sort(key=lambda point: point.time)
    return poll


def _take_snapshots(poll: PoolPoll, dialect: Dialect, rows: list[dict[str, object]]) -> None:
    for row in rows:
        try:
            identity = pool_identity(row)
        except UpstreamValueError as error:
            poll.rejections.append(Rejection(dialect.pools, row_id(row), row, error))
            continue
        if identity.pool_id not in poll.progress:
            continue
        poll.identities[identity.pool_id] = identity
        before = poll.progress[identity.pool_id]
        try:
            snapshot = snapshot_of(dialect.version, row)
        except UpstreamValueError as error:
            poll.rejections.append(Rejection(dialect.pools, identity.pool_id, row, error))
            continue
        delta = snapshot_delta(before.snapshot, snapshot, poll.block.timestamp)
        if delta.refusal is not None:
            poll.rejections.append(Rejection(dialect.pools, identity.pool_id, row, delta.refusal))
        if delta.point is not None:
            poll.points.append(delta.point)
        poll.progress[identity.pool_id] = before.model_copy(update={"snapshot": delta.baseline})


async def _take_hours(
    poll: PoolPoll, reader: BlockReader, dialect: Dialect, *, page_size: int, backfill_hours: int
) -> None:
    end = final_hours_end(poll.block.timestamp)
    first_hour = end - backfill_hours * HOUR_S
    starts = {
        pool: first_hour if p.last_hour is None else p.last_hour + HOUR_S
        for pool, p in poll.progress.items()
        if pool in poll.identities
    }
    if not starts or min(starts.values()) >= end:
        return
    pages = await fetch_pages(
        reader,
        "PoolHours",
        [hours_root(dialect)],
        {"pools": ("[String!]!", sorted(starts)), "from": ("Int!", min(starts.values()))},
        page_size,
    )
    rows: dict[str, dict[int, PoolHour]] = {pool: {} for pool in starts}
    refused: dict[str, set[int]] = {pool: set() for pool in starts}
    for row in pages["hours"]:
        try:
            hour = hour_of(dialect.version, row)
        except UpstreamValueError as error:
            poll.rejections.append(Rejection(dialect.hours, row_id(row), row, error))
            _mark_refused(refused, row_id(row))
            continue
        if hour.pool_id in rows and hour.start % HOUR_S == 0:
            rows[hour.pool_id][hour.start] = hour
    for pool, start in starts.items():
        before = poll.progress[pool]
        filled = fill_hours(
            poll.identities[pool],
            rows[pool],
            refused[pool],
            last_hour=before.last_hour,
            state=before.state,
            first_hour=min(start, end),
            end=end,
        )
        poll.points.extend(filled.points)
        poll.filled_hours += filled.filled
        poll.progress[pool] = before.model_copy(
            update={"last_hour": filled.last_hour, "state": filled.state}
        )


def _mark_refused(refused: dict[str, set[int]], hour_row_id: str) -> None:
    """Hour rows are `<pool>-<hour index>`: a refused row still says which hour it was."""
    pool, _, index = hour_row_id.rpartition("-")
    if pool.lower() in refused and index.isdigit():
        refused[pool.lower()].add(int(index) * HOUR_S)
