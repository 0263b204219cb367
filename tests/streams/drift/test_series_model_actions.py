"""The reference ModelActions: retrain from recent points, roll back to a kept snapshot."""

from __future__ import annotations

import pytest

from detectors.series_model import SeriesModel, SeriesModelSettings
from streams.drift import (
    DriftActionError,
    DriftDecision,
    DriftScores,
    NoSnapshotError,
    NotEnoughDataError,
    RecentPoints,
    SeriesModelActions,
    SnapshotHistory,
    apply_decision,
)
from tests.streams.drift.streams import points

SETTINGS = SeriesModelSettings(warmup=30)
SERIES = "pool=a"
Point = tuple[dict[str, float], float]


def timed(start: int, count: int, seed: int = 0, shift: float = 0.0) -> list[Point]:
    stream = points(seed, 0, count, {"volume_usd": shift})
    return [(point, 300.0 * (start + index)) for index, point in enumerate(stream)]


def setup(
    history: list[Point], recent_capacity: int = 50
) -> tuple[SeriesModelActions, RecentPoints, SnapshotHistory]:
    model = SeriesModel(SETTINGS)
    recent = RecentPoints(recent_capacity)
    snapshots = SnapshotHistory(keep=3)
    for index, (measures, at) in enumerate(history):
        model.process_points([(measures, at)])
        recent.append(measures, at)
        if (index + 1) % 40 == 0:
            snapshots.add(model.to_state(), at, model.points_seen)
    actions = SeriesModelActions({SERIES: model}, {SERIES: recent}, {SERIES: snapshots})
    return actions, recent, snapshots


def scores(model: SeriesModel, upcoming: list[Point]) -> list[float]:
    return [verdict.score for verdict in model.process_points(upcoming)]


def test_retrain_learns_exactly_the_recent_points() -> None:
    actions, _, _ = setup(timed(0, 200))
    actions.retrain(SERIES)
    retrained = actions.models[SERIES]
    expected = SeriesModel(SETTINGS)
    expected.process_points(timed(0, 200)[-50:])
    assert retrained.points_seen == 50
    assert retrained.to_state() == expected.to_state()
    upcoming = timed(200, 20, seed=3)
    assert scores(retrained, upcoming) == scores(expected, upcoming)


def test_retrain_needs_enough_recent_points() -> None:
    actions, _, _ = setup(timed(0, 20))
    before = actions.models[SERIES]
    with pytest.raises(NotEnoughDataError, match="needs 30 recent points, only 20 are kept"):
        actions.retrain(SERIES)
    assert actions.models[SERIES] is before
    actions.min_points = 10
    actions.retrain(SERIES)
    assert actions.models[SERIES].points_seen == 20


def test_rollback_restores_the_newest_earlier_snapshot_exactly() -> None:
    history = timed(0, 130)
    actions, _, snapshots = setup(history)
    twin = SeriesModel(SETTINGS)
    twin.process_points(history[:120])  # the newest snapshot was taken after 120 points
    actions.rollback(SERIES)
    restored = actions.models[SERIES]
    assert restored.points_seen == 120
    upcoming = timed(130, 20, seed=4)
    assert scores(restored, upcoming) == scores(twin, upcoming)
    assert [snapshot.points_seen for snapshot in snapshots.snapshots()] == [40, 80, 120]


def test_rollback_goes_further_back_each_time_then_fails() -> None:
    actions, _, snapshots = setup(timed(0, 120))  # snapshots at 40, 80, 120 points
    # The live model has seen 120 points: the snapshot at 120 is not earlier.
    actions.rollback(SERIES)
    assert actions.models[SERIES].points_seen == 80
    assert [snapshot.points_seen for snapshot in snapshots.snapshots()] == [40, 80]
    actions.rollback(SERIES)
    assert actions.models[SERIES].points_seen == 40
    with pytest.raises(NoSnapshotError, match="40 points seen, 1 snapshots kept"):
        actions.rollback(SERIES)


def test_an_unreadable_snapshot_is_a_failed_rollback() -> None:
    actions, _, snapshots = setup(timed(0, 10))
    snapshots.add(b"not a state", 0.0, 1)
    with pytest.raises(DriftActionError, match="unreadable snapshot"):
        actions.rollback(SERIES)


def test_an_unknown_series_is_a_failed_action() -> None:
    actions, _, _ = setup(timed(0, 10))
    for action in (actions.retrain, actions.rollback):
        with pytest.raises(DriftActionError, match="no live model"):
            action("pool=b")


def test_a_retrain_without_data_steps_down_to_a_rollback() -> None:
    actions, recent, _ = setup(timed(0, 90))
    recent.clear()
    decision = DriftDecision(SERIES, "retrain", "drift", DriftScores({"tvl_usd": 0.7}), "retrain")
    applied = apply_decision(decision, actions)
    assert applied.applied == "rollback"
    assert "needs 30 recent points, only 0 are kept" in (applied.attempts[0].error or "")
    assert actions.models[SERIES].points_seen == 80
