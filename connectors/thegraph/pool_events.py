"""Pool points (one pool, one time) as metric events, with deterministic ids.

Two feeds, told apart by the `feed` dimension so their series never mix: `hourly` (one point
per final hour, from the subgraph's hour rows, quiet hours filled) and `snapshot` (one point
per poll: levels now, flows since the previous poll). The event id is a UUID5 of the series key
and the event time: emitting the same point again (after a restart) gives the same id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from dexwatch.connectors.thegraph.records import PoolIdentity, PoolState
from dexwatch.connectors.thegraph.upstream_values import finite_float
from dexwatch.schemas.metric_event import MetricEvent, series_key

__all__ = ["SOURCE", "Feed", "PoolPoint", "metric_event", "metric_event_id"]

SOURCE = "thegraph"
Feed = Literal["hourly", "snapshot"]

_EVENT_NAMESPACE = uuid.UUID("6a1f7c2e-4d3b-5a9e-8c7f-0e1d2c3b4a59")


@dataclass(frozen=True)
class PoolPoint:
    """What one pool looked like at `time` (Unix seconds), and its flows up to then."""

    identity: PoolIdentity
    feed: Feed
    time: int
    state: PoolState
    volume_usd: Decimal
    fees_usd: Decimal
    tx_count: int
    filled: bool = False


def metric_event_id(key: str, event_time: datetime) -> str:
    """Same series and time, same id, in every process and run."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{key}\x1f{event_time.astimezone(UTC).isoformat()}"))


def metric_event(point: PoolPoint, chain: str, dex: str) -> MetricEvent:
    """The point as a `MetricEvent`; `UpstreamValueError` if a number does not fit a float."""
    dimensions = {
        "chain": chain,
        "dex": dex,
        "pool": point.identity.pool_id,
        "pair": point.identity.pair,
        "feed": point.feed,
    }
    if point.identity.stable:  # only these pools: every other series keeps its key
        dimensions["stable_pair"] = "true"
    measures = {
        "tvl_usd": finite_float(point.state.tvl_usd, "tvl_usd"),
        "liquidity": finite_float(point.state.liquidity, "liquidity"),
        "price": finite_float(point.state.price, "price"),
        "volume_usd": finite_float(point.volume_usd, "volume_usd"),
        "fees_usd": finite_float(point.fees_usd, "fees_usd"),
        "tx_count": float(point.tx_count),
    }
    event_time = datetime.fromtimestamp(point.time, UTC)
    return MetricEvent(
        event_time=event_time,
        source=SOURCE,
        dimensions=dimensions,
        measures=measures,
        event_id=metric_event_id(series_key(dimensions), event_time),
    )
