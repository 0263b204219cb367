"""SKAB's tallies from made-up alerts: inclusive episode ends, points and 60-second episodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.quality.skab_tally import EPISODE_GAP, SkabFile, SkabTotals

T0 = datetime(2020, 3, 9, 10, 0, 0, tzinfo=UTC)


def at(second: float) -> datetime:
    return T0 + timedelta(seconds=second)


def test_an_alert_on_either_end_of_an_episode_catches_it() -> None:
    for second in (100, 200):
        file = SkabFile.judge(
            "valve1/0.csv",
            rows=300,
            no_verdict=30,
            alerts=[at(second)],
            windows=[(at(100), at(200))],
        )
        assert (file.caught, file.seconds, file.false_alarm_points) == (1, (second - 100.0,), 0)


def test_false_alarms_less_than_a_minute_apart_are_one_episode() -> None:
    assert timedelta(seconds=60) == EPISODE_GAP
    # 59 s after the last alert joins its episode; 60 s after starts a new one.
    outside = [at(10), at(20), at(79), at(139), at(500)]
    file = SkabFile.judge(
        "other/3.csv",
        rows=600,
        no_verdict=30,
        alerts=[*outside, at(305), at(310)],
        windows=[(at(300), at(400))],
    )
    assert (file.caught, file.seconds) == (1, (5.0,))
    assert (file.false_alarm_points, file.false_alarm_episodes) == (5, 3)


def test_totals_average_the_caught_episodes_only() -> None:
    window = (at(100), at(200))
    files = [
        SkabFile.judge("valve1/0.csv", rows=300, no_verdict=30, alerts=[at(102)], windows=[window]),
        SkabFile.judge("valve1/1.csv", rows=300, no_verdict=30, alerts=[at(110)], windows=[window]),
        SkabFile.judge("other/1.csv", rows=250, no_verdict=30, alerts=[at(5)], windows=[window]),
    ]
    assert [file.folder for file in files] == ["valve1", "valve1", "other"]
    total = SkabTotals.of("all", files)
    assert (total.files, total.rows, total.no_verdict, total.episodes, total.caught) == (
        3,
        850,
        90,
        3,
        2,
    )
    assert (total.median_seconds, total.mean_seconds) == (6.0, 6.0)
    assert (total.false_alarm_points, total.false_alarm_episodes) == (1, 1)
    nothing = SkabTotals.of("valve2", [])
    assert (nothing.files, nothing.median_seconds, nothing.mean_seconds) == (0, None, None)
