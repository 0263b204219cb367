"""The dataset scorer after a restore: records read again are not judged nor learnt twice, and
snapshots it cannot restore start afresh, said once."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dexwatch.detectors.series_settings import SeriesModelSettings
from dexwatch.streams.aggregation import ClosedInterval
from dexwatch.streams.scoring.dataset_scorer import DatasetScorer, ScoredInterval
from dexwatch.streams.snapshots.store import Snapshot

T0 = datetime(2026, 1, 5, tzinfo=UTC)
STEP = timedelta(minutes=5)
SERIES = "pool=a"


def _intervals(first: int, last: int) -> list[ClosedInterval]:
    rng = random.Random(1)
    values = [100.0 * (1 + 0.01 * rng.gauss(0, 1)) for _ in range(last)]
    return [
        ClosedInterval(
            series=SERIES,
            dimensions={"pool": "a"},
            start=T0 + STEP * step,
            end=T0 + STEP * (step + 1),
            measures={"tvl": values[step]},
            event_count=1,
            offsets=(),
        )
        for step in range(first, last)
    ]


def _scored(results: Sequence[object]) -> list[ScoredInterval]:
    assert all(isinstance(result, ScoredInterval) for result in results)
    return [result for result in results if isinstance(result, ScoredInterval)]


def test_records_read_again_after_a_restore_are_neither_judged_nor_learnt_twice() -> None:
    settings = SeriesModelSettings()
    first = DatasetScorer(settings)
    first.score(_intervals(0, 200))
    state = first.state_of(SERIES)
    assert state is not None
    snapshot = Snapshot(state[0], T0, state[1], state[2])
    # A crash: the new worker reads from the last commit (here the beginning) again.
    second = DatasetScorer(settings, restore=lambda series: snapshot)
    again = _scored(second.score(_intervals(0, 200)))
    assert all(result.verdict.warming_up and not result.verdict.is_anomaly for result in again)
    assert second.points_seen(SERIES) == 200, "the model learnt nothing twice"
    # Past the snapshot it judges and learns as the first worker would have.
    newer = _scored(second.score(_intervals(200, 260)))
    expected = _scored(first.score(_intervals(200, 260)))
    assert [r.verdict.score for r in newer] == [r.verdict.score for r in expected]
    assert second.points_seen(SERIES) == 260


def test_snapshots_saved_with_other_settings_start_afresh_with_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After a detector upgrade every snapshot is refused: each series starts afresh, one line
    says so and the rest are counted, not logged one by one."""
    older = SeriesModelSettings(transform="signed_log")
    first = DatasetScorer(older)
    first.score(_intervals(0, 50))
    state = first.state_of(SERIES)
    assert state is not None
    snapshot = Snapshot(state[0], T0, state[1], state[2])
    upgraded = DatasetScorer(SeriesModelSettings(), restore=lambda series: snapshot)
    many = [
        replace(interval, series=f"pool={index}")
        for index in range(5)
        for interval in _intervals(0, 1)
    ]
    with caplog.at_level(logging.WARNING, logger="dexwatch.streams.scoring.dataset_scorer"):
        results = _scored(upgraded.score(many))
    assert upgraded.snapshots_refused == 5
    assert all(upgraded.points_seen(f"pool={index}") == 1 for index in range(5))
    assert all(not result.verdict.is_anomaly for result in results)
    lines = [record for record in caplog.records if "starts afresh" in record.getMessage()]
    assert len(lines) == 1
    assert "dexwatch_snapshots_refused_total" in lines[0].getMessage()
