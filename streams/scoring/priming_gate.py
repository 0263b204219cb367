"""Which scored points are history that primes a model rather than news that pages someone.

A dataset's `alert_after` (docs/priming.md): a point whose interval ended longer ago than that,
by the worker's clock, is learnt like any other but sends no anomaly event: a connector's
backfill, or a replay of last month, trains the models on first deployment without paging for
what happened weeks ago. Such points are counted in `dexwatch_points_primed_total{dataset}`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter

from dexwatch.streams.datasets import DatasetConfig

__all__ = ["PrimingGate", "is_history"]


class PrimingGate:
    """Tells primed points from live ones, and counts the primed."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.primed = Counter(
            "dexwatch_points_primed_total",
            "Scored points older than their dataset's alert_after: learnt, never an anomaly event.",
            ["dataset"],
            registry=registry,
        )

    def holds(self, dataset: DatasetConfig, end: datetime, now: datetime) -> bool:
        """True (and counted) when a point of `dataset` whose interval ended at `end` is
        history at `now`: older than `alert_after`. Datasets without one never hold a point."""
        if not is_history(dataset, end, now):
            return False
        self.primed.labels(dataset=dataset.name).inc()
        return True


def is_history(dataset: DatasetConfig, end: datetime, now: datetime) -> bool:
    """An interval of `dataset` that ended at `end` is older than its `alert_after` at `now`
    (a gap in history too: no `no_data` signal for it)."""
    after = dataset.alert_after_seconds
    return after is not None and end <= now - timedelta(seconds=after)
