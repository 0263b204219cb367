"""Episode arithmetic: 6-hour grouping, caught windows and their delays, rates per 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.quality.episodes import (
    Episode,
    alert_episodes,
    judge_windows,
    outside_windows,
    per_30_days,
)

T0 = datetime(2024, 4, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_alerts_less_than_six_hours_apart_are_one_episode() -> None:
    alerts = [at(0), at(5.99), at(11.9), at(17.8), at(30)]
    assert alert_episodes(alerts) == [(at(0), at(17.8)), (at(30), at(30))]


def test_exactly_six_hours_apart_starts_a_new_episode() -> None:
    assert len(alert_episodes([at(0), at(6)])) == 2


def test_alerts_are_grouped_in_time_order_whatever_order_they_come_in() -> None:
    assert alert_episodes([at(20), at(0), at(3)]) == [(at(0), at(3)), (at(20), at(20))]


def test_no_alert_is_no_episode() -> None:
    assert alert_episodes([]) == []


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=60))
def test_episodes_split_exactly_at_gaps_of_six_hours_or_more(minutes: list[int]) -> None:
    alerts = [T0 + timedelta(minutes=10 * value) for value in minutes]
    ordered = sorted(alerts)
    gaps = sum(b - a >= timedelta(hours=6) for a, b in pairwise(ordered))
    episodes = alert_episodes(alerts)
    assert len(episodes) == (gaps + 1 if alerts else 0)
    assert sum(1 for alert in alerts if any(a <= alert <= b for a, b in episodes)) == len(alerts)


def test_a_window_is_caught_by_an_alert_inside_it_ends_included() -> None:
    windows = [(at(10), at(20)), (at(30), at(40)), (at(50), at(60))]
    alerts = [at(9.9), at(20), at(15), at(30), at(61)]
    episodes = judge_windows(windows, alerts)
    assert [episode.first_alert for episode in episodes] == [at(15), at(30), None]
    assert [episode.caught for episode in episodes] == [True, True, False]
    assert [episode.hours for episode in episodes] == [5.0, 0.0, None]


def test_hours_to_the_first_alert_count_from_the_window_start() -> None:
    assert Episode((at(0), at(48)), at(36.5)).hours == pytest.approx(36.5)


def test_alerts_outside_every_window_are_the_false_alarm_candidates() -> None:
    windows = [(at(10), at(20))]
    assert outside_windows([at(9), at(10), at(20), at(21)], windows) == [at(9), at(21)]
    assert outside_windows([at(1)], []) == [at(1)]


def test_rate_per_30_days_scales_by_the_span() -> None:
    assert per_30_days(3, timedelta(days=10)) == pytest.approx(9.0)
    assert per_30_days(4, timedelta(days=120)) == pytest.approx(1.0)
    assert per_30_days(1, timedelta(hours=12)) == pytest.approx(60.0)


def test_no_span_has_no_rate() -> None:
    assert per_30_days(2, timedelta(0)) is None
