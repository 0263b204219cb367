"""Deterministic DEX-like series for tests: seasonal, noisy, with optional spikes."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from dexwatch.schemas.metric_event import MetricEvent

__all__ = ["START", "STEP", "pool_events"]

START = datetime(2026, 1, 5, tzinfo=UTC)
STEP = timedelta(minutes=5)


def pool_events(
    pool: str, steps: int, seed: int, spikes: frozenset[int] = frozenset()
) -> Iterator[MetricEvent]:
    """`steps` points of one pool; at each step in `spikes`, volume and trades jump 20x."""
    rng = random.Random(seed)
    tvl = 1e7 * (1 + seed % 5)
    for step in range(steps):
        hour = (step * STEP.total_seconds() / 3600) % 24
        volume = 0.05 * tvl * (1 + 0.4 * math.sin(2 * math.pi * hour / 24))
        volume *= math.exp(rng.gauss(0, 0.12))
        trades = volume / 5000 * math.exp(rng.gauss(0, 0.1))
        tvl *= math.exp(rng.gauss(0, 0.002))
        if step in spikes:
            volume, trades = volume * 20, trades * 20
        yield MetricEvent(
            event_time=START + step * STEP,
            source="test",
            dimensions={"chain": "ethereum", "dex": "uniswap-v3", "pool": pool},
            measures={
                "tvl_usd": tvl,
                "volume_usd": volume,
                "fees_usd": volume * 0.003,
                "tx_count": float(round(trades)),
            },
            event_id=f"{pool}-{step}",
        )
