"""DEX-like metric events: a fleet of pools and the stream of their events, step by step."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from bench.speed import FEATURES, dex_series
from dexwatch.schemas.metric_event import series_key

__all__ = ["SOURCE", "START", "STEP", "Fleet", "epoch", "iso", "stream"]

START = datetime(2026, 1, 5, tzinfo=UTC)
STEP = timedelta(minutes=1)
SOURCE = "bench.pipeline"


@dataclass(frozen=True)
class Fleet:
    """DEX-like pools: their series keys, dimensions, and values (series, points, 3)."""

    keys: list[bytes]
    dimensions: list[dict[str, str]]
    values: npt.NDArray[np.float64]

    @classmethod
    def make(cls, n_series: int, n_points: int, seed: int, prefix: str = "0x") -> Fleet:
        dimensions = [
            {"chain": "ethereum", "dex": "uniswap-v3", "pool": f"{prefix}{index:08x}"}
            for index in range(n_series)
        ]
        keys = [series_key(dims).encode() for dims in dimensions]
        return cls(keys, dimensions, dex_series(n_series, n_points, seed))

    def event(self, series: int, point: int, at: str, scale: float = 1.0) -> dict[str, object]:
        volume, tvl, trades = self.values[series, point].tolist()
        return {
            "event_time": at,
            "source": SOURCE,
            "dimensions": self.dimensions[series],
            "measures": {
                FEATURES[0]: volume * scale,
                FEATURES[1]: tvl,
                FEATURES[2]: float(round(trades * scale)),
            },
        }


def iso(step: int) -> str:
    return (START + STEP * step).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def stream(fleet: Fleet, points: range, seed: int) -> Iterator[tuple[bytes, dict[str, object]]]:
    """Each step, every series once in a random order; event time = START + step minutes."""
    rng = random.Random(seed)
    order = list(range(len(fleet.keys)))
    for point in points:
        at = iso(point)
        rng.shuffle(order)
        for series in order:
            yield fleet.keys[series], fleet.event(series, point, at)
