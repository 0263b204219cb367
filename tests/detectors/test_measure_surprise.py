from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from detectors.measure_surprise import MeasureSurprise, SurpriseSettings

START = datetime(2026, 1, 5, tzinfo=UTC)
STEP = timedelta(minutes=5)


def _daily(step: int, rng: random.Random) -> float:
    hour = (step * 5 / 60) % 24
    return 10 + 3 * math.sin(2 * math.pi * hour / 24) + rng.gauss(0, 0.2)


def test_a_spike_sets_a_record_on_level_and_change() -> None:
    rng = random.Random(5)
    surprise = MeasureSurprise(SurpriseSettings())
    for step in range(2000):
        surprise.observe(_daily(step, rng), START + step * STEP, after_gap=False, judge=False)
    views = surprise.observe(25.0, START + 2000 * STEP, after_gap=False, judge=True)
    by_view = {view.component: view for view in views}
    assert set(by_view) == {"level", "change", "smoothed", "time_of_day"}
    assert by_view["change"].ratio > 1.5
    assert by_view["time_of_day"].ratio > 1.5
    assert by_view["time_of_day"].expected_high < 25.0


def test_a_value_normal_for_its_hour_is_no_record_for_the_daily_profile() -> None:
    rng = random.Random(6)
    surprise = MeasureSurprise(SurpriseSettings())
    for step in range(3000):
        surprise.observe(_daily(step, rng), START + step * STEP, after_gap=False, judge=False)
    views = surprise.observe(_daily(3000, rng), START + 3000 * STEP, after_gap=False, judge=True)
    assert all(view.ratio < 1.0 for view in views)


def test_no_change_view_across_a_gap() -> None:
    rng = random.Random(7)
    surprise = MeasureSurprise(SurpriseSettings())
    for step in range(300):
        surprise.observe(_daily(step, rng), START + step * STEP, after_gap=False, judge=False)
    views = surprise.observe(12.0, START + 900 * STEP, after_gap=True, judge=True)
    assert "change" not in {view.component for view in views}
