"""The drift score: 0 on a stationary stream, graded by the size of a level shift, restorable."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dexwatch.schemas.errors import DetectorInputError, StateFormatError
from dexwatch.streams.drift import DriftChannel, DriftMonitor, DriftMonitorSettings, DriftScores
from tests.streams.drift.streams import points, shifted

RAW = DriftMonitorSettings(transform="none")


def channel_scores(values: list[float], settings: DriftMonitorSettings = RAW) -> list[float]:
    channel = DriftChannel(settings)
    return [channel.update(value) for value in values]


@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=15, deadline=None)
def test_a_stationary_stream_scores_zero(seed: int) -> None:
    assert max(channel_scores(shifted(seed, 3000, 0))) == 0.0


def test_a_stationary_series_has_no_drift_anywhere() -> None:
    monitor = DriftMonitor()
    rng = random.Random(5)
    for point in points(5, 2000, 0):
        scores = monitor.update(point, score=rng.random())
    assert scores == DriftScores({"tvl_usd": 0.0, "volume_usd": 0.0}, 0.0)
    assert scores.highest() == 0.0


@pytest.mark.parametrize(
    ("shift_sd", "low", "high"),
    [(1.5, 0.3, 0.5), (-1.5, 0.3, 0.5), (3.0, 0.5, 0.75), (-3.0, 0.5, 0.75), (6.0, 0.8, 0.95)],
)
def test_a_level_shift_scores_by_its_size(shift_sd: float, low: float, high: float) -> None:
    scores = channel_scores(shifted(1, 300, 100, shift_sd))
    assert max(scores[:300]) == 0.0
    assert low < scores[-1] < high
    # Scored within about a detection plus `settle_points` of the shift.
    assert scores[300 + 60] > 0.0


def test_the_score_follows_its_formula() -> None:
    channel = DriftChannel(RAW)
    for value in shifted(2, 300, 100, 4.0):
        channel.update(value)
    assert channel.shift() > 3.0
    assert channel.score() == pytest.approx(1.0 - 2.0 ** (-channel.shift() / 2.0))


def test_lone_outliers_are_not_drift() -> None:
    values = shifted(3, 3000, 0)
    for index in range(150, 3000, 300):
        values[index] += 50 * 10.0  # 50 sd
    assert max(channel_scores(values)) == 0.0


def test_a_constant_series_that_moves_drifts() -> None:
    scores = channel_scores([7.0] * 200 + [8.0] * 100)
    assert scores[199] == 0.0
    assert scores[-1] > 0.9


def test_warming_up_until_the_reference_is_fixed() -> None:
    channel = DriftChannel(RAW)
    for value in shifted(4, RAW.reference_points - 1, 0):
        channel.update(value)
    assert channel.warming_up
    channel.update(1000.0)
    assert not channel.warming_up


def test_rebase_makes_the_new_level_the_reference() -> None:
    monitor = DriftMonitor(RAW)
    stream = points(6, 300, 100, {"tvl_usd": 4.0})
    for point in stream:
        monitor.update(point)
    assert monitor.scores().measures["tvl_usd"] > 0.5
    monitor.rebase()
    assert monitor.scores().highest() == 0.0
    for point in points(7, 0, 1000, {"tvl_usd": 4.0}):
        assert monitor.update(point).highest() == 0.0


def test_the_model_score_channel_drifts_too() -> None:
    monitor = DriftMonitor(RAW)
    rng = random.Random(8)
    for index, point in enumerate(points(8, 400, 0)):
        score = rng.betavariate(2, 8) + (0.5 if index >= 300 else 0.0)
        scores = monitor.update(point, score=score)
    assert scores.model_score > 0.5
    assert scores.measures == {"tvl_usd": 0.0, "volume_usd": 0.0}


def test_scores_are_skipped_while_the_model_warms_up() -> None:
    monitor = DriftMonitor(RAW)
    for point in points(9, 300, 0):
        monitor.update(point, score=None)
    assert monitor.update(points(9, 1, 0)[0], score=0.1).model_score == 0.0


@pytest.mark.parametrize(
    ("point", "score", "message"),
    [
        ({"tvl_usd": 1.0}, None, "measures"),
        ({"tvl_usd": 1.0, "volume_usd": math.nan}, None, "volume_usd is nan"),
        ({"tvl_usd": 1.0, "volume_usd": 1.0}, math.inf, "model score is inf"),
    ],
)
def test_bad_points_are_refused(point: dict[str, float], score: float | None, message: str) -> None:
    monitor = DriftMonitor()
    monitor.update({"tvl_usd": 1.0, "volume_usd": 1.0})
    saved = monitor.to_state()
    with pytest.raises(DetectorInputError, match=message):
        monitor.update(point, score)
    assert monitor.to_state() == saved  # nothing half-learnt


def test_a_series_needs_a_measure() -> None:
    with pytest.raises(DetectorInputError, match="at least one measure"):
        DriftMonitor().update({})


@given(split=st.integers(0, 450), seed=st.integers(0, 1000))
@settings(max_examples=20, deadline=None)
def test_a_restored_monitor_gives_the_same_next_scores(split: int, seed: int) -> None:
    stream = points(seed, 250, 200, {"volume_usd": 3.0})
    model_scores = [random.Random(seed + index).random() for index in range(len(stream))]
    original = DriftMonitor()
    for point, score in zip(stream[:split], model_scores[:split], strict=True):
        original.update(point, score)
    restored = DriftMonitor.from_state(original.to_state())
    assert restored.measures == original.measures
    assert restored.scores() == original.scores()
    for point, score in zip(stream[split:], model_scores[split:], strict=True):
        assert restored.update(point, score) == original.update(point, score)
    assert restored.to_state() == original.to_state()


def test_state_is_compact_and_bounded() -> None:
    monitor = DriftMonitor()
    sizes = []
    for index, point in enumerate(points(10, 20_000, 0)):
        monitor.update(point, score=0.1)
        if index + 1 in (2_000, 20_000):
            sizes.append(len(monitor.to_state()))
    assert sizes[1] < 4_000
    assert sizes[1] < sizes[0] + 500  # ADWIN's buckets grow with log(points) only


def test_state_of_another_kind_is_refused() -> None:
    with pytest.raises(StateFormatError, match="not 'drift_monitor'"):
        DriftMonitor.from_state(DriftChannel(RAW).to_state())


def _daily_cycle(minutes: int, shift_from: int | None = None, shift: float = 0.0) -> list[float]:
    """A minute series with a daily cycle of amplitude 10 and noise of sd 1, shifted by `shift`
    from minute `shift_from` on."""
    rng = random.Random(11)
    return [
        100.0
        + 10.0 * math.sin(2 * math.pi * minute / 1440)
        + rng.gauss(0, 1)
        + (shift if shift_from is not None and minute >= shift_from else 0.0)
        for minute in range(minutes)
    ]


def _scores_in_time(values: list[float], settings: DriftMonitorSettings) -> list[float]:
    channel = DriftChannel(settings)
    return [channel.update(value, at=60.0 * minute) for minute, value in enumerate(values)]


def test_a_daily_cycle_is_not_drift_when_the_reference_spans_a_day() -> None:
    cycle = _daily_cycle(5 * 1440)
    assert max(_scores_in_time(cycle, RAW)) == 0.0
    # Counted in points only, 100 minutes of reference make the rest of the day a new level.
    points_only = RAW.model_copy(update={"reference_hours": 0.0, "settle_hours": 0.0})
    assert max(_scores_in_time(cycle, points_only)) > 0.3


def test_a_lasting_shift_of_a_cyclic_series_is_scored_within_a_day() -> None:
    shift_at = 3 * 1440
    scores = _scores_in_time(_daily_cycle(6 * 1440, shift_from=shift_at, shift=30.0), RAW)
    assert max(scores[:shift_at]) == 0.0
    first = next(minute for minute, score in enumerate(scores) if score > 0.5)
    # The day's mean passes a sure shift of 2 sd once enough of the day is shifted.
    assert shift_at < first < shift_at + 1440
    assert min(scores[shift_at + 1440 :]) > 0.5, "and stays, for as long as the shift lasts"


def test_a_shift_is_not_scored_before_a_day_has_passed_since_the_first_detection() -> None:
    # No cycle: the detectors are quiet until the shift, which the first day after it settles.
    rng = random.Random(2)
    shift_at = 2 * 1440
    values = [rng.gauss(0, 1) + (8.0 if minute >= shift_at else 0.0) for minute in range(4 * 1440)]
    scores = _scores_in_time(values, RAW)
    first = next(minute for minute, score in enumerate(scores) if score > 0.5)
    assert shift_at + 1440 <= first < shift_at + 1440 + 60


def test_a_state_saved_without_event_times_counts_points() -> None:
    channel = DriftChannel(RAW)
    for value in shifted(4, 50, 0):
        channel.update(value)  # no times: points alone decide
    restored = DriftChannel.from_state(channel.to_state())
    assert restored.warming_up
    for value in shifted(5, 60, 0):
        restored.update(value)
    assert not restored.warming_up
