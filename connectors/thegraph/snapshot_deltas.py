"""Per-poll deltas of a pool's cumulative counters.

A pool's `volumeUSD`, `feesUSD` and `txCount` only ever grow; the difference between two polls
is what happened in between. The first poll of a pool only sets the baseline; a counter that
went down is refused (`cumulative_decreased`) and the baseline reset to the new value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dexwatch.connectors.thegraph.checkpoint import SnapshotBaseline
from dexwatch.connectors.thegraph.errors import UpstreamValueError
from dexwatch.connectors.thegraph.pool_events import PoolPoint
from dexwatch.connectors.thegraph.records import PoolSnapshot
from dexwatch.connectors.thegraph.upstream_values import CUMULATIVE_DECREASED

__all__ = ["SnapshotDelta", "snapshot_delta"]


@dataclass(frozen=True)
class SnapshotDelta:
    point: PoolPoint | None
    baseline: SnapshotBaseline
    refusal: UpstreamValueError | None = None


def snapshot_delta(
    previous: SnapshotBaseline | None, snapshot: PoolSnapshot, timestamp: int
) -> SnapshotDelta:
    """The point for this poll (None for a first or repeated poll) and the next baseline."""
    baseline = SnapshotBaseline(
        timestamp=timestamp,
        volume_usd=snapshot.volume_usd,
        fees_usd=snapshot.fees_usd,
        tx_count=snapshot.tx_count,
    )
    if previous is None:
        return SnapshotDelta(None, baseline)
    if timestamp <= previous.timestamp:
        return SnapshotDelta(None, previous)
    volume = snapshot.volume_usd - previous.volume_usd
    fees = snapshot.fees_usd - previous.fees_usd
    tx_count = snapshot.tx_count - previous.tx_count
    for field, delta in (("volumeUSD", volume), ("feesUSD", fees), ("txCount", Decimal(tx_count))):
        if delta < 0:
            refusal = UpstreamValueError(
                CUMULATIVE_DECREASED,
                field,
                f"fell by {-delta} since block time {previous.timestamp}",
            )
            return SnapshotDelta(None, baseline, refusal)
    point = PoolPoint(
        snapshot.identity, "snapshot", timestamp, snapshot.state, volume, fees, tx_count
    )
    return SnapshotDelta(point, baseline)
