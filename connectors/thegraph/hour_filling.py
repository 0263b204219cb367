"""Turning a pool's sparse hour rows into one point per final hour.

A subgraph writes an hour row only when the pool had an event in that hour, and keeps changing
the current hour's row until the hour is over. So: an hour H is emitted only once the block we
read is at or past H + 3600 (final); an hour with no row repeats the last known state with
zero flows (a quiet hour, not a missing one); an hour whose row was refused is skipped (a gap,
not a fake quiet hour); and before the first row we know of, nothing is emitted.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from decimal import Decimal

from dexwatch.connectors.thegraph.pool_events import PoolPoint
from dexwatch.connectors.thegraph.records import PoolHour, PoolIdentity, PoolState

__all__ = ["HOUR_S", "FilledHours", "fill_hours", "final_hours_end"]

HOUR_S = 3600


def final_hours_end(block_timestamp: int) -> int:
    """Every hour starting before this is final at a block with this timestamp."""
    return block_timestamp // HOUR_S * HOUR_S


@dataclass(frozen=True)
class FilledHours:
    points: list[PoolPoint]
    last_hour: int | None
    state: PoolState | None
    filled: int


def fill_hours(
    identity: PoolIdentity,
    rows: Mapping[int, PoolHour],
    refused: Set[int],
    *,
    last_hour: int | None,
    state: PoolState | None,
    first_hour: int,
    end: int,
) -> FilledHours:
    """Points for the final hours after `last_hour` (or from `first_hour`) up to `end`."""
    start = last_hour + HOUR_S if last_hour is not None else first_hour
    points = []
    filled = 0
    for hour in range(start, end, HOUR_S):
        last_hour = hour
        row = rows.get(hour)
        if row is not None:
            state = row.state
            points.append(
                PoolPoint(
                    identity, "hourly", hour, row.state, row.volume_usd, row.fees_usd, row.tx_count
                )
            )
        elif hour not in refused and state is not None:
            filled += 1
            points.append(
                PoolPoint(identity, "hourly", hour, state, Decimal(0), Decimal(0), 0, filled=True)
            )
    return FilledHours(points, last_hour, state, filled)
