"""The reference `ModelActions`: retrain and roll back `SeriesModel` objects held by series key.

Retrain builds a fresh model (same settings) from the series' `RecentPoints` alone; rollback
restores the newest `SnapshotHistory` entry older than the live model. Both replace the entry
in the `models` mapping the worker scores with, and raise a `DriftActionError` subclass saying
why when they cannot, so `apply_decision` can step down.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from detectors.series_model import SeriesModel
from schemas.errors import DetectorInputError, StateFormatError
from streams.drift.drift_actions import DriftActionError, NoSnapshotError, NotEnoughDataError
from streams.drift.recent_points import RecentPoints
from streams.drift.snapshot_history import SnapshotHistory

__all__ = ["SeriesModelActions"]


class SeriesModelActions:
    """Retrain and rollback over live `SeriesModel`s, their recent points and snapshots.

    `min_points` is how many recent points a retrain needs; by default the model's own
    `warmup`, so the retrained model scores at once (give `RecentPoints` at least that much
    capacity).
    """

    def __init__(
        self,
        models: MutableMapping[str, SeriesModel],
        recent: Mapping[str, RecentPoints],
        snapshots: Mapping[str, SnapshotHistory],
        *,
        min_points: int | None = None,
    ) -> None:
        if min_points is not None and min_points < 1:
            raise ValueError(f"min_points must be at least 1, got {min_points}")
        self.models = models
        self.recent = recent
        self.snapshots = snapshots
        self.min_points = min_points

    def retrain(self, series: str) -> None:
        model = self._model(series)
        needed = self.min_points if self.min_points is not None else model.settings.warmup
        recent = self.recent.get(series)
        held = len(recent) if recent is not None else 0
        if recent is None or held < needed:
            raise NotEnoughDataError(
                f"retrain of {series!r} needs {needed} recent points, only {held} are kept"
            )
        fresh = SeriesModel(model.settings)
        try:
            fresh.process_points(recent.points())
        except DetectorInputError as error:
            raise DriftActionError(f"retrain of {series!r} failed: {error}") from error
        self.models[series] = fresh

    def rollback(self, series: str) -> None:
        model = self._model(series)
        history = self.snapshots.get(series)
        snapshot = history.newest_before(model.points_seen) if history is not None else None
        if history is None or snapshot is None:
            kept = len(history) if history is not None else 0
            raise NoSnapshotError(
                f"rollback of {series!r} found no snapshot older than its live model "
                f"({model.points_seen} points seen, {kept} snapshots kept)"
            )
        try:
            restored = SeriesModel.from_state(snapshot.state)
        except StateFormatError as error:
            message = f"rollback of {series!r}: unreadable snapshot: {error}"
            raise DriftActionError(message) from error
        self.models[series] = restored
        history.drop_after(snapshot.points_seen)

    def _model(self, series: str) -> SeriesModel:
        try:
            return self.models[series]
        except KeyError:
            raise DriftActionError(f"no live model for series {series!r}") from None
