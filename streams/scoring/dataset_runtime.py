"""One configured dataset inside the worker: selector, aggregator, models, drift."""

from __future__ import annotations

from collections.abc import Callable

from dexwatch.streams.aggregation import IntervalAggregator
from dexwatch.streams.datasets import DatasetConfig, EventSelector, config_hash
from dexwatch.streams.drift import DriftMetrics
from dexwatch.streams.drift.series_drift import SeriesDrift
from dexwatch.streams.scoring.dataset_scorer import DatasetScorer
from dexwatch.streams.scoring.series_rules import SeriesRules
from dexwatch.streams.snapshots.store import Snapshot

__all__ = ["SNAPSHOT_KEY_SEPARATOR", "DatasetRuntime", "snapshot_key"]

SNAPSHOT_KEY_SEPARATOR = "\x1f"  # never in a dataset name (a slug)


def snapshot_key(dataset: str, series: str) -> str:
    """A series' key in the snapshot tables: its dataset, then its series key."""
    return f"{dataset}{SNAPSHOT_KEY_SEPARATOR}{series}"


class DatasetRuntime:
    """One dataset in the worker: its selector, aggregator, models and config hash."""

    def __init__(self, dataset: DatasetConfig, drift_metrics: DriftMetrics | None = None) -> None:
        self.dataset = dataset
        self.config_hash = config_hash(dataset)
        self.selector = EventSelector(dataset)
        self.aggregator = IntervalAggregator(dataset)
        self.scorer = DatasetScorer(
            dataset.series_settings,
            carry_forward=not isinstance(dataset.measures, str),
            rules=_series_rules(dataset),
        )
        self.drift = (
            SeriesDrift(dataset, self.scorer, self.config_hash, metrics=drift_metrics)
            if dataset.drift_enabled
            else None
        )

    def restore_from(self, history: Callable[[str], list[Snapshot]]) -> None:
        """Series first seen start from their latest snapshot, and rollbacks pick from
        `history(snapshot_key)` (newest first)."""
        name = self.dataset.name

        def series_history(series: str) -> list[Snapshot]:
            return history(snapshot_key(name, series))

        def series_snapshot(series: str) -> Snapshot | None:
            kept = series_history(series)
            return kept[0] if kept else None

        self.scorer.restore = series_snapshot
        if self.drift is not None:
            self.drift.history = series_history


def _series_rules(dataset: DatasetConfig) -> Callable[[], SeriesRules] | None:
    """What makes each new series' rules; None when the dataset names none (the model alone)."""
    measure_rules = (
        {} if isinstance(dataset.measures, str) else {m.name: m.rules for m in dataset.measures}
    )
    if not dataset.detectors and not any(measure_rules.values()):
        return None
    return lambda: SeriesRules(measure_rules, dataset.detectors)
