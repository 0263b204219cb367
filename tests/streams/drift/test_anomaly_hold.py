"""Anomaly episodes: which points a retrain may keep, and when drift actions wait."""

from __future__ import annotations

import pytest

from dexwatch.streams.drift import AnomalyHold, RecentPoints

HOUR = 3600.0


def feed(hold: AnomalyHold, recent: RecentPoints, marks: str) -> list[str | None]:
    """One point per hour, 'x' anomalous and '.' normal; the hold's answer for each."""
    return [
        hold.observe({"tvl_usd": float(index)}, index * HOUR, mark == "x", recent)
        for index, mark in enumerate(marks)
    ]


def kept_hours(recent: RecentPoints) -> list[int]:
    times, _ = recent.arrays()
    return [int(at // HOUR) for at in times.tolist()]


def test_anomalous_points_and_their_episode_are_never_kept() -> None:
    hold, recent = AnomalyHold(3 * HOUR, 100), RecentPoints(100)
    # An episode: anomalies at 2 and 4 (less than the hold apart), the normal-looking 3 between.
    reasons = feed(hold, recent, "..x.x...." + ".")
    assert reasons == [None, None, "anomaly", "hold", "anomaly", "hold", "hold", None, None, None]
    # 5 and 6 waited out the hold after the last anomaly and were kept once it passed.
    assert kept_hours(recent) == [0, 1, 5, 6, 7, 8, 9]
    assert hold.episode_started_at == 2 * HOUR


def test_points_after_an_anomaly_wait_until_the_hold_has_passed() -> None:
    hold, recent = AnomalyHold(3 * HOUR, 100), RecentPoints(100)
    feed(hold, recent, "..x..")
    assert kept_hours(recent) == [0, 1]
    assert hold.pending is not None
    assert len(hold.pending) == 2


def test_a_zero_hold_holds_only_the_anomalous_point() -> None:
    hold, recent = AnomalyHold(0, 100), RecentPoints(100)
    assert feed(hold, recent, ".x.") == [None, "anomaly", None]
    assert kept_hours(recent) == [0, 2]


def test_a_held_decision_is_counted_once_per_episode() -> None:
    hold, recent = AnomalyHold(2 * HOUR, 100), RecentPoints(100)
    feed(hold, recent, "x")
    assert [hold.first_held(), hold.first_held()] == [True, False]
    feed(hold, recent, ".x")  # the same episode goes on
    assert not hold.first_held()
    hold.observe({"tvl_usd": 0.0}, 10 * HOUR, True, recent)  # a new one
    assert hold.first_held()


def test_a_negative_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        AnomalyHold(-1, 10)
