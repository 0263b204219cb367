"""The worker's model actions: retrain from recent points, roll back to a kept snapshot."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from dexwatch.streams.aggregation import ClosedInterval
from dexwatch.streams.datasets import DatasetConfig
from dexwatch.streams.drift import (
    DriftActionError,
    DriftDecision,
    DriftMetrics,
    DriftScores,
    NoSnapshotError,
    NotEnoughDataError,
    apply_decision,
)
from dexwatch.streams.drift.series_drift import SeriesDrift, _Actions
from dexwatch.streams.scoring.dataset_scorer import DatasetScorer, ScoredInterval
from dexwatch.streams.snapshots.store import Snapshot
from tests.streams.drift.streams import points

SERIES = "pool=a"
T0 = datetime(2026, 3, 2, tzinfo=UTC)
STEP = timedelta(minutes=5)
POINTS_ONLY = {"reference_hours": 0, "settle_hours": 0}


def dataset(**drift: Any) -> DatasetConfig:
    return DatasetConfig.model_validate(
        {
            "name": "drifting",
            "source": {"topic": "pools"},
            "dimensions": ["pool"],
            "measures": [
                {"name": "tvl_usd", "aggregation": "last"},
                {"name": "volume_usd", "aggregation": "last"},
            ],
            "interval": "5m",
            "detector": {"warmup": 30},
            # Points only: these tests are about holds and actions over a few hundred points,
            # not the day a reference spans (tests/streams/drift/test_monitor.py).
            "drift": {"enabled": True, "monitor": POINTS_ONLY} | drift,
        }
    )


def intervals(start: int, count: int, seed: int = 0) -> list[ClosedInterval]:
    """`count` 5-minute intervals of steady noise from interval number `start` on."""
    return [
        ClosedInterval(
            series=SERIES,
            dimensions={"pool": "a"},
            start=T0 + STEP * (start + index),
            end=T0 + STEP * (start + index + 1),
            measures=measures,
            event_count=1,
            offsets=(),
        )
        for index, measures in enumerate(points(seed, 0, count))
    ]


class Worker:
    """One dataset's scorer and drift side, fed as the worker feeds them, snapshots kept."""

    def __init__(self, snapshot_every: int = 40, **drift: Any) -> None:
        config = dataset(**drift)
        self.scorer = DatasetScorer(config.series_settings)
        self.kept: list[Snapshot] = []  # newest first, as the snapshot table gives them
        self.drift = SeriesDrift(config, self.scorer, "hash", history=lambda series: self.kept)
        self.snapshot_every = snapshot_every
        self.actions = _Actions(self.drift)

    def feed(self, history: list[ClosedInterval]) -> list[ScoredInterval]:
        scored = []
        for interval in history:
            [result] = self.scorer.score([interval])
            assert isinstance(result, ScoredInterval)
            assert self.drift.observe(result) is None, "steady noise asks for no action"
            scored.append(result)
            seen = self.scorer.points_seen(SERIES)
            if seen % self.snapshot_every == 0:
                state = self.scorer.state_of(SERIES)
                assert state is not None
                self.kept.insert(0, Snapshot(state[0], interval.start, state[1], state[2]))
        return scored

    def state(self) -> bytes:
        return state_of(self.scorer)


def state_of(scorer: DatasetScorer) -> bytes:
    state = scorer.state_of(SERIES)
    assert state is not None
    return state[0]


def scores(scorer: DatasetScorer, upcoming: list[ClosedInterval]) -> list[float]:
    return [
        result.verdict.score
        for result in scorer.score(upcoming)
        if isinstance(result, ScoredInterval)
    ]


def twin(history: list[ClosedInterval]) -> DatasetScorer:
    """A scorer that learnt exactly `history`, nothing else."""
    scorer = DatasetScorer(dataset().series_settings)
    scorer.score(history)
    return scorer


def test_retrain_learns_exactly_the_recent_points() -> None:
    worker = Worker(retrain_points=50)
    history = intervals(0, 200)
    worker.feed(history)
    worker.actions.retrain(SERIES)
    expected = twin(history[-50:])
    assert worker.scorer.points_seen(SERIES) == 50
    assert worker.state() == state_of(expected)
    upcoming = intervals(200, 20, seed=3)
    assert scores(worker.scorer, upcoming) == scores(expected, upcoming)


def test_retrain_needs_enough_recent_points() -> None:
    worker = Worker(retrain_points=30)
    worker.feed(intervals(0, 20))
    before = worker.state()
    with pytest.raises(NotEnoughDataError, match="needs 30 recent normal points, 20 are kept"):
        worker.actions.retrain(SERIES)
    assert (worker.scorer.points_seen(SERIES), worker.state()) == (20, before)


def test_rollback_restores_the_newest_snapshot_from_before_the_margin() -> None:
    worker = Worker(rollback_margin_points=30)
    history = intervals(0, 130)
    worker.feed(history)  # snapshots after 40, 80 and 120 points
    # 130 points seen: the snapshot at 120 is within the margin, the one at 80 is not.
    worker.actions.rollback(SERIES)
    assert worker.scorer.points_seen(SERIES) == 80
    upcoming = intervals(130, 20, seed=4)
    assert scores(worker.scorer, upcoming) == scores(twin(history[:80]), upcoming)


def test_rollback_goes_further_back_each_time_then_fails() -> None:
    worker = Worker(rollback_margin_points=30)
    worker.feed(intervals(0, 130))
    worker.actions.rollback(SERIES)
    assert worker.scorer.points_seen(SERIES) == 80
    worker.actions.rollback(SERIES)
    assert worker.scorer.points_seen(SERIES) == 40
    with pytest.raises(NoSnapshotError, match=r"from before point 10 \(3 kept\)"):
        worker.actions.rollback(SERIES)
    assert worker.scorer.points_seen(SERIES) == 40


def test_without_a_snapshot_table_a_rollback_fails() -> None:
    worker = Worker()
    worker.feed(intervals(0, 130))
    worker.drift.history = None
    with pytest.raises(NoSnapshotError, match=r"\(0 kept\)"):
        worker.actions.rollback(SERIES)


def test_an_unreadable_snapshot_is_a_failed_rollback() -> None:
    worker = Worker(rollback_margin_points=0, snapshot_every=1000)
    worker.feed(intervals(0, 50))
    before = worker.state()
    worker.kept = [Snapshot(b"not a state", T0, 10, 1)]
    with pytest.raises(DriftActionError, match="rollback of 'pool=a'") as failure:
        worker.actions.rollback(SERIES)
    assert not isinstance(failure.value, NoSnapshotError)
    assert (worker.scorer.points_seen(SERIES), worker.state()) == (50, before)


def test_a_series_the_worker_does_not_hold_is_a_failed_action() -> None:
    worker = Worker(rollback_margin_points=0)
    worker.feed(intervals(0, 50))
    with pytest.raises(NotEnoughDataError, match="0 are kept"):
        worker.actions.retrain("pool=b")
    with pytest.raises(NoSnapshotError):
        worker.actions.rollback("pool=b")


def test_a_retrain_without_enough_data_steps_down_to_a_rollback() -> None:
    worker = Worker(retrain_points=200, rollback_margin_points=30)
    worker.feed(intervals(0, 130))
    decision = DriftDecision(SERIES, "retrain", "drift", DriftScores({"tvl_usd": 0.7}), "retrain")
    applied = apply_decision(decision, worker.actions)
    assert applied.applied == "rollback"
    assert "needs 200 recent normal points, 130 are kept" in (applied.attempts[0].error or "")
    assert worker.scorer.points_seen(SERIES) == 80


def with_verdict(result: ScoredInterval, anomalous: bool) -> ScoredInterval:
    """`result` as if the model had judged it so: the test decides which points are anomalies."""
    return replace(result, verdict=replace(result.verdict, is_anomaly=anomalous))


def test_drift_never_absorbs_an_anomaly() -> None:
    """An anomaly, then a sustained shift: no action while the anomaly is open or within the
    hold (the held decision is counted once), then a retrain on normal points only."""
    registry = CollectorRegistry()
    config = dataset(retrain_points=100, hold_after_anomaly="6h")  # 72 five-minute points
    scorer = DatasetScorer(config.series_settings)
    drift = SeriesDrift(config, scorer, "hash", metrics=DriftMetrics(registry))
    values = points(5, 200, 300, shift={"tvl_usd": 6.0, "volume_usd": 6.0})
    anomalous = set(range(200, 205))
    for index in anomalous:
        values[index] = {"tvl_usd": 5000.0, "volume_usd": 9000.0}  # a wild episode
    history = [
        replace(interval, measures=measures)
        for interval, measures in zip(intervals(0, 500), values, strict=True)
    ]
    last_anomaly = T0 + STEP * max(anomalous)
    acted = []
    for index, interval in enumerate(history):
        [result] = scorer.score([interval])
        assert isinstance(result, ScoredInterval)
        outcome = drift.observe(with_verdict(result, index in anomalous))
        if outcome is not None:
            acted.append((index, outcome[0]))
            break
    [(index, applied)] = acted
    assert history[index].start - last_anomaly >= timedelta(hours=6), "not within the hold"
    assert (applied.decision.action, applied.applied) == ("retrain", "retrain")
    held = registry.get_sample_value(
        "dexwatch_drift_held_total", {"dataset": "drifting", "reason": "hold"}
    )
    assert held == 1.0, "the shift was seen during the hold: held, and counted once"
    # The retrained model learnt the last 100 normal points: none of the episode's.
    assert scorer.points_seen(SERIES) == 100
    times, _ = drift._series[SERIES].recent.arrays()
    kept = {round((at - T0.timestamp()) / STEP.total_seconds()) for at in times.tolist()}
    assert not kept & anomalous
    assert kept == set(range(index - 99 - len(anomalous), index + 1)) - anomalous


def test_no_drift_action_on_an_anomalous_point() -> None:
    registry = CollectorRegistry()
    worker = Worker(retrain_points=50, hold_after_anomaly="0s")
    worker.drift.metrics = DriftMetrics(registry)
    worker.feed(intervals(0, 200))
    shifted = points(6, 0, 80, shift={"tvl_usd": 8.0, "volume_usd": 8.0})
    upcoming = [
        replace(interval, measures=measures)
        for interval, measures in zip(intervals(200, 80), shifted, strict=True)
    ]
    # Every point of the shift judged anomalous: drift is neither learnt nor acted on.
    for interval in upcoming:
        [result] = worker.scorer.score([interval])
        assert isinstance(result, ScoredInterval)
        assert worker.drift.observe(with_verdict(result, True)) is None
    assert len(worker.drift._series[SERIES].recent) == 50
    assert worker.drift._series[SERIES].monitor.scores().highest() == 0.0
    assert (
        registry.get_sample_value(
            "dexwatch_drift_held_total", {"dataset": "drifting", "reason": "anomaly"}
        )
        is None
    )
