"""Drift decisions for one dataset's series: monitors, recent points, retrain and rollback.

After each scored point: the series' `AnomalyHold` routes it (an anomalous point is neither
kept nor learnt), the `DriftMonitor` learns a normal point's measures and score, the rules
decide, and an action other than "none" is carried out with step-down on failure (retrain ->
rollback -> alert) and reported as a model-action event, unless an anomaly on the series is
open or less than `hold_after_anomaly` old: then it is held, counted and not applied.
Retrain rebuilds the model from the series' last `retrain_points` normal points; rollback
restores the newest snapshot taken at least `rollback_margin_points` before the live model,
i.e. before the drift was detected, and before any anomaly episode among those points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dexwatch.detectors.series_model import DETECTOR_VERSION, epoch_seconds
from dexwatch.schemas.errors import StateFormatError
from dexwatch.schemas.model_action import ModelActionEvent
from dexwatch.streams.datasets import DatasetConfig
from dexwatch.streams.drift import (
    AnomalyHold,
    AppliedDecision,
    DriftActionError,
    DriftMetrics,
    DriftMonitor,
    NoSnapshotError,
    NotEnoughDataError,
    RecentPoints,
    apply_decision,
    decide,
    model_action_event,
)
from dexwatch.streams.scoring.dataset_scorer import DatasetScorer, ScoredInterval
from dexwatch.streams.snapshots.store import Snapshot

__all__ = ["SeriesDrift"]


@dataclass(slots=True)
class _Series:
    monitor: DriftMonitor
    recent: RecentPoints  # normal points only: what a retrain learns
    hold: AnomalyHold


class SeriesDrift:
    """The drift side of one dataset: call `observe` with every scored interval."""

    def __init__(
        self,
        dataset: DatasetConfig,
        scorer: DatasetScorer,
        config_hash: str,
        history: Callable[[str], list[Snapshot]] | None = None,
        metrics: DriftMetrics | None = None,
    ) -> None:
        self.dataset = dataset
        self.scorer = scorer
        self.config_hash = config_hash
        self.history = history  # a series' kept snapshots, newest first (see `snapshot_key`)
        self.metrics = metrics  # counts held decisions; applied ones are counted by the caller
        self.rules = dataset.drift_rules
        self.retrain_points = dataset.drift.retrain_points
        self.hold_seconds = dataset.drift.hold_after_anomaly_seconds
        self._series: dict[str, _Series] = {}

    def observe(self, scored: ScoredInterval) -> tuple[AppliedDecision, ModelActionEvent] | None:
        """Learn the point; what was done and its event, when the rules asked for an action
        and no anomaly on the series holds it."""
        inputs = scored.inputs
        interval, verdict = scored.interval, scored.verdict
        series = interval.series
        held = self._series.get(series)
        if held is None:
            held = self._series[series] = _Series(
                DriftMonitor(self.dataset.drift.monitor),
                RecentPoints(self.retrain_points),
                AnomalyHold(self.hold_seconds, self.retrain_points),
            )
        measures = dict(zip(self.scorer.measures_of(series), inputs, strict=True))
        at = epoch_seconds(interval.start)
        hold = held.hold.observe(measures, at, verdict.is_anomaly, held.recent)
        if verdict.is_anomaly:
            scores = held.monitor.scores()  # a wild point is no evidence of a new level
        else:
            score = None if verdict.warming_up else verdict.score
            scores = held.monitor.update(measures, score, at)
        decision = decide(series, scores, self.rules)
        if decision.action == "none":
            return None
        if hold is not None:
            # Not rebased: the drift stands and is decided again once the hold has passed.
            if self.metrics is not None and held.hold.first_held():
                self.metrics.record_held(self.dataset.name, hold)
            return None
        applied = apply_decision(decision, _Actions(self))
        held.monitor.rebase()  # one drift, one decision
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
        self._series.pop(series, None)


class _Actions:
    """`ModelActions` over one series of a `SeriesDrift`."""

    def __init__(self, drift: SeriesDrift) -> None:
        self.drift = drift

    def retrain(self, series: str) -> None:
        held = self.drift._series.get(series)
        kept = len(held.recent) if held is not None else 0
        if held is None or kept < self.drift.retrain_points:
            raise NotEnoughDataError(
                f"retrain of {series!r} needs {self.drift.retrain_points} recent normal "
                f"points, {kept} are kept"
            )
        times, inputs = held.recent.arrays()  # columns in `measures` order: the bank's, sorted
        self.drift.scorer.replace_with_trained(series, times, inputs)

    def rollback(self, series: str) -> None:
        kept = self.drift.history(series) if self.drift.history is not None else []
        live = self.drift.scorer.points_seen(series)
        horizon = live - self.drift.dataset.drift.rollback_margin_points
        before = self._episode_start(series)
        earlier = [
            snapshot
            for snapshot in kept
            if snapshot.points_seen <= horizon
            and (before is None or epoch_seconds(snapshot.at) < before)
        ]
        if not earlier:
            episode = "" if before is None else " and the series' last anomaly episode"
            raise NoSnapshotError(
                f"rollback of {series!r} found no snapshot from before point {horizon}"
                f"{episode} ({len(kept)} kept)"
            )
        try:
            self.drift.scorer.replace_with_state(series, earlier[0].state)
        except StateFormatError as error:
            raise DriftActionError(f"rollback of {series!r}: {error}") from error

    def _episode_start(self, series: str) -> float | None:
        """When the series' latest anomaly episode began, if a retrain would still reach back
        to it (its start is not older than the kept recent points): a snapshot taken since
        has learnt the episode."""
        held = self.drift._series.get(series)
        if held is None or held.hold.episode_started_at is None:
            return None
        times, _ = held.recent.arrays()
        started = held.hold.episode_started_at
        if len(times) >= held.recent.capacity and started < times[0]:
            return None
        return started
