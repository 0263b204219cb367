"""Percentiles of measured delays, and Prometheus' `histogram_quantile` over bucket counts."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Percentiles", "histogram_quantile", "percentiles"]


@dataclass(frozen=True, slots=True)
class Percentiles:
    """p50, p99 and max of `n` delays, in milliseconds (None when there were none)."""

    n: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None

    def short(self) -> str:
        if self.n == 0:
            return "none"
        return f"p50 {self.p50_ms:.0f} ms, p99 {self.p99_ms:.0f} ms"

    def describe(self) -> str:
        if self.n == 0:
            return "none"
        return f"{self.short()}, max {self.max_ms:.0f} ms (n={self.n:,})"


def percentiles(seconds: Sequence[float]) -> Percentiles:
    """Nearest rank: the value at index floor(p * n) of the sorted delays (given in seconds)."""
    if not seconds:
        return Percentiles(0, None, None, None)
    ordered = sorted(seconds)

    def q(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return Percentiles(len(ordered), q(0.5), q(0.99), ordered[-1] * 1000)


def histogram_quantile(buckets: dict[float, float], p: float) -> float:
    """Prometheus' `histogram_quantile`: linear inside the bucket that holds the rank.

    `buckets`: upper bound -> cumulative count, `inf` included; NaN when it counts nothing."""
    bounds = sorted(buckets)
    count = buckets[bounds[-1]]
    if count <= 0:
        return float("nan")
    rank = p * count
    index = bisect.bisect_left([buckets[b] for b in bounds], rank)
    upper = bounds[index]
    if upper == float("inf"):
        return bounds[-2]
    lower = bounds[index - 1] if index else 0.0
    below = buckets[lower] if index else 0.0
    inside = buckets[upper] - below
    return lower + (upper - lower) * ((rank - below) / inside if inside else 1.0)
