"""Maintenance windows: once, or weekly in UTC (past midnight and the week's end too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dexwatch.streams.datasets.maintenance_window import MaintenanceWindow, in_maintenance

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def test_a_one_off_window_includes_its_start_not_its_end() -> None:
    window = MaintenanceWindow.model_validate(
        {"start": "2026-03-02T02:00:00+01:00", "end": "2026-03-02T03:00:00+01:00"}
    )
    assert window.start == MONDAY + timedelta(hours=1)
    assert window.contains(MONDAY + timedelta(hours=1))
    assert window.contains(MONDAY + timedelta(hours=1, minutes=59))
    assert not window.contains(MONDAY + timedelta(hours=2))
    assert not window.contains(MONDAY)


def test_a_weekly_window_may_run_past_midnight_and_the_end_of_the_week() -> None:
    window = MaintenanceWindow(days=("sun",), at="23:00", duration="2h")
    sunday_night = MONDAY - timedelta(hours=1)
    assert window.contains(sunday_night)
    assert window.contains(MONDAY + timedelta(minutes=59))  # Monday 00:59, a week later too
    assert window.contains(MONDAY + timedelta(days=7, minutes=30))
    assert not window.contains(MONDAY + timedelta(hours=1))
    assert not window.contains(sunday_night - timedelta(seconds=1))
    other_zone = timezone(timedelta(hours=5))
    assert window.contains(sunday_night.astimezone(other_zone))
    both = (window, MaintenanceWindow(days=("wed", "fri"), at="12:00", duration="30m"))
    assert in_maintenance(both, MONDAY + timedelta(days=4, hours=12, minutes=10))
    assert not in_maintenance(both, MONDAY + timedelta(days=3, hours=12, minutes=10))


@given(st.integers(0, 14 * 86_400), st.integers(1, 7 * 86_400))
def test_a_weekly_window_repeats_every_week(offset: int, length: int) -> None:
    duration = f"{length}s"
    window = MaintenanceWindow(days=("tue",), at="06:30", duration=duration)
    moment = MONDAY + timedelta(seconds=offset)
    assert window.contains(moment) == window.contains(moment + timedelta(days=7))
    opens = MONDAY + timedelta(days=1, hours=6, minutes=30)
    into = (moment - opens).total_seconds() % (7 * 86_400)
    assert window.contains(moment) == (into < length)


@pytest.mark.parametrize(
    "fields",
    [
        {"start": "2026-03-02T02:00:00Z", "end": "2026-03-02T01:00:00Z"},
        {"days": ["mon"], "at": "02:00"},
        {"start": "2026-03-02T02:00:00Z", "end": "2026-03-02T03:00:00Z", "days": ["mon"]},
        {"days": ["mon"], "at": "02:00", "duration": "8d"},
        {"start": "2026-03-02T02:00:00", "end": "2026-03-02T03:00:00"},
    ],
)
def test_a_window_is_one_of_the_two_kinds(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"window|end must|outside|timezone"):
        MaintenanceWindow.model_validate(fields)
