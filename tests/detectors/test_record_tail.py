"""The tail estimate of a view's record (`detectors/record_tail.py`)."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from dexwatch.detectors.record_tail import (
    TAIL_FROM,
    TAIL_REACH,
    tail_coverage,
    tail_learn,
    tail_level,
)
from dexwatch.detectors.series_layout import TAIL_SIZE

HORIZON = 1500.0


def _learnt(values: np.ndarray) -> np.ndarray:
    state = np.zeros(TAIL_SIZE)
    for value in values:
        tail_learn(state, 0, HORIZON, float(value))
    return state


def _once_a_horizon_for_noise() -> float:
    return statistics.NormalDist().inv_cdf(1.0 - 1.0 / (2.0 * HORIZON))


def test_on_gaussian_noise_the_level_is_what_noise_reaches_once_a_horizon() -> None:
    z = np.abs(np.random.default_rng(1).normal(size=30_000))
    level = tail_level(_learnt(z), 0, HORIZON, HORIZON)
    # An exponential tail over the 98% point is a little heavier than the Gaussian's.
    assert _once_a_horizon_for_noise() - 0.1 < level < _once_a_horizon_for_noise() + 0.6
    # And about one point in a horizon passes it.
    assert 0.3 < np.mean(z[-15_000:] > level) * HORIZON < 3.0


def test_a_heavier_tail_has_a_higher_level() -> None:
    rng = np.random.default_rng(2)
    gaussian = tail_level(_learnt(np.abs(rng.normal(size=20_000))), 0, HORIZON, HORIZON)
    laplace = tail_level(
        _learnt(np.abs(rng.laplace(size=20_000)) / np.sqrt(2.0)), 0, HORIZON, HORIZON
    )
    assert laplace > gaussian + 1.0


def test_one_outlier_raises_the_level_far_less_than_a_maximum_would_and_fades() -> None:
    rng = np.random.default_rng(3)
    before = np.abs(rng.normal(size=10_000))
    state = _learnt(before)
    quiet = tail_level(state, 0, HORIZON, HORIZON)
    tail_learn(state, 0, HORIZON, 100.0)
    tail_learn(state, 0, HORIZON, 0.5)  # the run of one pass is over: learnt
    shaken = tail_level(state, 0, HORIZON, HORIZON)
    assert quiet < shaken < 0.5 * 100.0
    for value in np.abs(rng.normal(size=int(3 * HORIZON))):
        tail_learn(state, 0, HORIZON, float(value))
    assert tail_level(state, 0, HORIZON, HORIZON) < quiet + 0.5


def test_no_level_until_more_than_one_pass_a_horizon_is_expected() -> None:
    state = _learnt(np.full(100, TAIL_FROM / 2))
    assert tail_level(state, 0, HORIZON, HORIZON) == 0.0
    tail_learn(state, 0, HORIZON, TAIL_FROM + 1.0)  # one pass in 102 points: 15 a horizon
    tail_learn(state, 0, HORIZON, TAIL_FROM / 2)
    assert tail_level(state, 0, HORIZON, HORIZON) > TAIL_FROM


def test_coverage_grows_to_one_over_the_horizon() -> None:
    state = np.zeros(TAIL_SIZE)
    assert tail_coverage(state, 0, HORIZON) == 0.0
    for _ in range(750):
        tail_learn(state, 0, HORIZON, 0.5)
    assert tail_coverage(state, 0, HORIZON) == 0.5
    for _ in range(1000):
        tail_learn(state, 0, HORIZON, 0.5)
    assert tail_coverage(state, 0, HORIZON) == 1.0


def test_a_young_tail_is_extrapolated_no_further_than_a_few_times_what_it_has_learnt() -> None:
    # A 1 Hz sensor's 30-day horizon from its first 1,000 points: the record is the level of
    # `TAIL_REACH` times the points learnt (here, of `least`), not of 2.6 million points.
    z = np.abs(np.random.default_rng(4).normal(size=1_000))
    state = _learnt(z)
    month_of_seconds = 30 * 86_400.0
    young = tail_level(state, 0, month_of_seconds, HORIZON)
    assert young == tail_level(state, 0, TAIL_REACH * HORIZON, HORIZON)
    assert young < tail_level(state, 0, month_of_seconds, month_of_seconds) - 1.0
    # As the tail learns more, its reach grows with it, up to the horizon.
    for value in np.abs(np.random.default_rng(5).normal(size=int(2 * HORIZON))):
        tail_learn(state, 0, HORIZON, float(value))
    learnt = 1_000 + 2 * HORIZON
    assert tail_level(state, 0, month_of_seconds, HORIZON) == tail_level(
        state, 0, TAIL_REACH * learnt, HORIZON
    )
    assert tail_level(state, 0, 2 * HORIZON, HORIZON) < tail_level(
        state, 0, month_of_seconds, HORIZON
    )


def test_a_run_of_passes_is_held_back_until_it_ends_then_learnt_as_its_points() -> None:
    # A depeg that deepens for hours: judged against the tail from before it while it lasts.
    rng = np.random.default_rng(6)
    noise = np.abs(rng.normal(size=3_000))
    state = _learnt(noise)
    before = tail_level(state, 0, HORIZON, HORIZON)
    run = np.linspace(4.0, 12.0, 40)
    for value in run:
        tail_learn(state, 0, HORIZON, float(value))
        assert tail_level(state, 0, HORIZON, HORIZON) == before
    tail_learn(state, 0, HORIZON, 0.5)  # back under the threshold: the run is learnt
    after = tail_level(state, 0, HORIZON, HORIZON)
    assert after > before + 1.0
    # Learnt as its points, each at the run's mean excess: as a steady run of that size.
    steady = _learnt(np.concatenate([noise, np.full(len(run), run.mean()), [0.5]]))
    assert after == pytest.approx(tail_level(steady, 0, HORIZON, HORIZON))
