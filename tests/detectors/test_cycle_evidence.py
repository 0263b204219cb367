"""The say of a slot view: evidence of a cycle from the slot profile, and its use by the kernel."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from dexwatch.detectors import kernel_params as params
from dexwatch.detectors.cycle_evidence import critical_ratio, cycle_say
from dexwatch.detectors.series_bank import SeriesBank
from dexwatch.detectors.series_layout import VIEWS
from dexwatch.detectors.series_model import SeriesModelSettings, epoch_seconds
from tests.detectors.test_series_bank import START, STEP_S

DAY = VIEWS.index("time_of_day")
SLOTS = 24


def _profile(
    means: npt.NDArray[np.float64], variances: npt.NDArray[np.float64], count: int = 240
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.uint8]]:
    profiles = np.empty(2 * len(means), dtype=np.float32)
    profiles[0::2], profiles[1::2] = means, variances
    return profiles, np.full(len(means), count, dtype=np.uint8)


def _day_say(profiles: npt.NDArray[np.float32], counts: npt.NDArray[np.uint8]) -> float:
    # 12 points a visit (5-minute points, hourly slots), 20 days seen, 20 days of memory.
    return float(
        cycle_say(profiles, counts, 0, SLOTS, 36.0, 12.0, 0, 0, 0.0, 0.0, 20.0, 20.0, 0.0, 0.25)
    )


def test_slot_means_that_differ_by_noise_alone_have_no_say() -> None:
    rng = np.random.default_rng(1)
    # Each slot mean is a mean of 20 visits of unit-variance noise.
    means = rng.normal(0.0, 1.0 / np.sqrt(20), SLOTS)
    profiles, counts = _profile(means, np.ones(SLOTS))
    assert _day_say(profiles, counts) == 0.0


def test_a_daily_cycle_has_full_say_and_a_weak_one_less() -> None:
    hours = np.arange(SLOTS)
    strong, _ = _profile(3.0 * np.sin(2 * np.pi * hours / 24), np.ones(SLOTS))
    weak, counts = _profile(0.7 * np.sin(2 * np.pi * hours / 24), np.ones(SLOTS))
    assert _day_say(strong, counts) == 1.0
    assert 0.0 < _day_say(weak, counts) < 1.0


def test_slots_steadier_than_the_rest_are_a_cycle_too() -> None:
    # A pool idle at night: the same mean, but night slots barely move.
    variances = np.where(np.arange(SLOTS) < 8, 0.05, 1.0)
    profiles, counts = _profile(np.zeros(SLOTS), variances)
    assert _day_say(profiles, counts) == 1.0


def test_young_profiles_and_flat_measures_have_no_say() -> None:
    profiles, counts = _profile(np.sin(np.arange(SLOTS)), np.ones(SLOTS), count=12)
    assert _day_say(profiles, counts) == 0.0, "no slot ready"
    flat, counts = _profile(np.zeros(SLOTS), np.zeros(SLOTS))
    assert _day_say(flat, counts) == 0.0, "a measure that never moved"


def test_the_week_earns_its_say_only_beyond_the_day_profile() -> None:
    hours = np.arange(7 * 24) % 24
    daily = np.sin(2 * np.pi * hours / 24)
    weekend = np.where(np.arange(7 * 24) >= 5 * 24, -1.0, 0.0)
    counts = np.full(24 + 7 * 24, 240, dtype=np.uint8)
    # The daily cycle again: each hour of the week holds what its hour of the day holds.
    # A weekend 1 below: the day slot's variance holds it (2/7 x 5/7 of 1), the week's not.
    for week_means, day_variance, expected in ((daily, 1.0, 0.0), (daily + weekend, 1.2, 1.0)):
        day_profiles, _ = _profile(daily[:24], np.full(24, day_variance))
        week_profiles, _ = _profile(week_means, np.full(7 * 24, 1.0))
        profiles = np.concatenate([day_profiles, week_profiles])
        say = cycle_say(
            profiles, counts, 24, 7 * 24, 36.0, 12.0, 0, 24, 36.0, 20.0, 20.0, 20.0, 0.0, 0.25
        )
        assert say == expected


def test_a_variance_of_few_visits_is_not_taken_for_a_steadier_slot() -> None:
    """Six weeks of a week slot against 20 days of its day slot: the week's variances are 30%
    smaller, about what a variance of six samples falls short by (a wandering TVL's hours of
    the week, whose values within a visit barely differ). That is no weekly cycle."""
    counts = np.full(24 + 7 * 24, 72, dtype=np.uint8)  # six visits of 12 points
    day_profiles, _ = _profile(np.zeros(24), np.ones(24))
    week_profiles, _ = _profile(np.zeros(7 * 24), np.full(7 * 24, 0.7))
    profiles = np.concatenate([day_profiles, week_profiles])
    say = cycle_say(
        profiles, counts, 24, 7 * 24, 36.0, 12.0, 0, 24, 36.0, 20.0, 6.0, 20.0, 0.0, 0.25
    )
    assert say == 0.0
    # Twenty weeks of the same: now it is a steadier hour of the week.
    counts[24:] = 240
    say = cycle_say(
        profiles, counts, 24, 7 * 24, 36.0, 12.0, 0, 24, 36.0, 20.0, 20.0, 20.0, 0.0, 0.25
    )
    assert say == 1.0


def test_the_critical_ratio_shrinks_with_more_evidence() -> None:
    assert critical_ratio(0.0) == np.inf
    assert critical_ratio(46.0) > critical_ratio(288.0) > 1.0


def _run(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    bank = SeriesBank(SeriesModelSettings(transform="none"), ["value"])
    bank.add()
    times = epoch_seconds(START) + STEP_S * np.arange(len(values))
    out = bank.process(np.zeros(len(values), dtype=np.int64), times, values[:, None])
    return out.views[:, 0, DAY]


def test_noise_without_a_cycle_is_judged_by_its_other_views() -> None:
    rng = np.random.default_rng(4)
    day = _run(rng.normal(10.0, 1.0, 12 * 288))[-288:]
    judged = ~np.isnan(day[:, params.OUT_DEVIATION])
    assert judged.all(), "the day view still judges"
    assert np.nanmax(day[:, params.OUT_RATIO]) == 0.0, "but has no say"


def test_a_series_with_a_daily_cycle_keeps_its_day_view() -> None:
    rng = np.random.default_rng(5)
    hours = (np.arange(12 * 288) * STEP_S / 3600.0) % 24
    values = 10 + 3 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 0.2, len(hours))
    values[-1] = 10 + 3 * np.sin(2 * np.pi * hours[-1] / 24) + 3.0  # 15 sd off its slot
    last = _run(values)[-1]
    assert last[params.OUT_DEVIATION] > 5
    assert last[params.OUT_RATIO] > 1.0, "a record, with its full say"


def test_a_slot_visited_less_than_once_a_cycle_counts_its_visits_not_the_cycles() -> None:
    """A daily pool's hours of the week: after 40 weeks, the hours it happened to land on hold
    three values each. Their sample variances are small more often than not, which is no weekly
    cycle: the evidence is three visits, not the series' 40 weeks (a daily Curve pool's week
    view had taken a full say from this and raised 5 false alarms)."""
    rng = np.random.default_rng(6)
    slots, landed = 7 * 24, rng.choice(7 * 24, 40, replace=False)
    samples = rng.normal(0.0, 1.0, (slots, 3))
    counts = np.zeros(slots, dtype=np.uint8)
    counts[landed] = 3
    profiles, _ = _profile(samples.mean(axis=1), samples.var(axis=1))
    say = cycle_say(profiles, counts, 0, slots, 3.0, 1.0, 0, 0, 0.0, 0.0, 40.0, 20.0, 0.0, 0.25)
    assert say == 0.0
    # Once a slot's count saturates, the series' age is the better lower bound of its visits.
    counts[landed] = 255
    profiles, _ = _profile(np.where(np.arange(slots) % 24 < 8, 3.0, 0.0), np.ones(slots))
    say = cycle_say(profiles, counts, 0, slots, 36.0, 12.0, 0, 0, 0.0, 0.0, 40.0, 20.0, 0.0, 0.25)
    assert say == 1.0
