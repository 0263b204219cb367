from __future__ import annotations

from datetime import UTC, datetime, timedelta

from detectors.seasonal_profile import SeasonalProfile


def test_slots_are_fixed_in_time_of_day() -> None:
    profile = SeasonalProfile(slots_per_day=96)
    assert profile.slot(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == 0
    assert profile.slot(datetime(2026, 1, 1, 0, 14, 59, tzinfo=UTC)) == 0
    assert profile.slot(datetime(2026, 1, 1, 0, 15, tzinfo=UTC)) == 1
    assert profile.slot(datetime(2026, 1, 9, 23, 59, tzinfo=UTC)) == 95


def test_each_slot_learns_its_own_level() -> None:
    profile = SeasonalProfile(slots_per_day=24, span=5)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hour in range(24 * 20):
        at = start + timedelta(hours=hour)
        profile.learn(profile.slot(at), 100.0 if at.hour == 15 else 10.0)
    afternoon, night = profile.band(15), profile.band(3)
    assert afternoon is not None
    assert night is not None
    assert abs(afternoon[0] - 100.0) < 1e-9
    assert abs(night[0] - 10.0) < 1e-9
    assert profile.band(15, min_points=21) is None  # seen 20 times only
