"""Drift decisions for one dataset's series: monitors, recent points, retrain and rollback.

After each scored point: the series' `DriftMonitor` learns its measures and score, the rules
decide, and an action other than "none" is carried out with step-down on failure (retrain ->
rollback -> alert) and reported as a model-action event. Retrain rebuilds the model from the
series' last `retrain_points` points; rollback restores the newest snapshot taken at least
`rollback_margin_points` before the live model, i.e. before the drift was detected.
"""

from __future__ import annotations

from collections.abc import Callable

from detectors.series_model import DETECTOR_VERSION, epoch_seconds
from schemas.errors import StateFormatError
from schemas.model_action import ModelActionEvent
from streams.datasets import DatasetConfig
from streams.drift import (
    AppliedDecision,
    DriftActionError,
    DriftMonitor,
    NoSnapshotError,
    NotEnoughDataError,
    RecentPoints,
    apply_decision,
    decide,
    model_action_event,
)
from streams.pipeline.dataset_scorer import DatasetScorer, ScoredInterval
from streams.snapshots.snapshot_store import Snapshot

__all__ = ["SeriesDrift"]


class SeriesDrift:
    """The drift side of one dataset: call `observe` with every scored interval."""

    def __init__(
        self,
        dataset: DatasetConfig,
        scorer: DatasetScorer,
        config_hash: str,
        history: Callable[[str], list[Snapshot]] | None = None,
    ) -> None:
        self.dataset = dataset
        self.scorer = scorer
        self.config_hash = config_hash
        self.history = history  # a series' kept snapshots, newest first (see `snapshot_key`)
        self.rules = dataset.drift_rules
        self.retrain_points = dataset.drift.retrain_points or dataset.series_settings.warmup
        self._monitors: dict[str, DriftMonitor] = {}
        self._recent: dict[str, RecentPoints] = {}

    def observe(self, scored: ScoredInterval) -> tuple[AppliedDecision, ModelActionEvent] | None:
        """Learn the point; what was done and its event, when the rules asked for an action."""
        inputs = scored.inputs
        interval, verdict = scored.interval, scored.verdict
        series = interval.series
        monitor = self._monitors.get(series)
        if monitor is None:
            monitor = self._monitors[series] = DriftMonitor(self.dataset.drift.monitor)
        measures = dict(zip(self.scorer.measures_of(series), inputs, strict=True))
        recent = self._recent.get(series)
        if recent is None:
            recent = self._recent[series] = RecentPoints(self.retrain_points)
        recent.append(measures, epoch_seconds(interval.start))
        scores = monitor.update(measures, None if verdict.warming_up else verdict.score)
        decision = decide(series, scores, self.rules)
        if decision.action == "none":
            return None
        applied = apply_decision(decision, _Actions(self))
        monitor.rebase()  # one drift, one decision
        event = model_action_event(
            applied,
            dataset=self.dataset.name,
            dimensions=interval.dimensions,
            at=interval.start,
            detector_version=DETECTOR_VERSION,
            config_hash=self.config_hash,
        )
        return applied, event

    def forget(self, series: str) -> None:
        self._monitors.pop(series, None)
        self._recent.pop(series, None)


class _Actions:
    """`ModelActions` over one series of a `SeriesDrift`."""

    def __init__(self, drift: SeriesDrift) -> None:
        self.drift = drift

    def retrain(self, series: str) -> None:
        recent = self.drift._recent.get(series)
        held = len(recent) if recent is not None else 0
        if recent is None or held < self.drift.retrain_points:
            raise NotEnoughDataError(
                f"retrain of {series!r} needs {self.drift.retrain_points} recent points, "
                f"{held} are kept"
            )
        times, inputs = recent.arrays()  # columns in `measures` order: the bank's, sorted
        self.drift.scorer.replace_with_trained(series, times, inputs)

    def rollback(self, series: str) -> None:
        kept = self.drift.history(series) if self.drift.history is not None else []
        live = self.drift.scorer.points_seen(series)
        horizon = live - self.drift.dataset.drift.rollback_margin_points
        earlier = [snapshot for snapshot in kept if snapshot.points_seen <= horizon]
        if not earlier:
            raise NoSnapshotError(
                f"rollback of {series!r} found no snapshot from before point {horizon} "
                f"({len(kept)} kept)"
            )
        try:
            self.drift.scorer.replace_with_state(series, earlier[0].state)
        except StateFormatError as error:
            raise DriftActionError(f"rollback of {series!r}: {error}") from error
