"""Per-file and summed DeFi figures: labelled, empty-labelled and unlabelled files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bench.quality.dex_tally import DexFile, DexTotals

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def judge(
    alerts: list[datetime], windows: list[tuple[datetime, datetime]] | None, days: float = 30
) -> DexFile:
    return DexFile.judge(
        "dex/x.csv",
        rows=100,
        no_verdict=10,
        span=timedelta(days=days),
        alerts=alerts,
        windows=windows,
    )


def test_alerts_outside_windows_are_false_alarm_episodes() -> None:
    file = judge([at(1), at(3), at(50), at(100), at(101)], [(at(99), at(110))])
    assert file.labelled
    assert (len(file.episodes), file.caught) == (1, 1)
    assert file.episodes[0].hours == 1.0
    assert file.alarm_episodes == 2  # 1 h and 3 h are one, 50 h another
    assert file.alarms_per_30_days == pytest.approx(2.0)


def test_a_file_listed_with_no_window_has_only_false_alarms() -> None:
    file = judge([at(1), at(20)], [], days=15)
    assert (file.labelled, file.episodes, file.alarm_episodes) == (True, (), 2)
    assert file.alarms_per_30_days == pytest.approx(4.0)


def test_an_unlabelled_file_counts_alert_episodes_but_never_false_alarms() -> None:
    unlabelled = judge([at(1), at(2), at(40)], None, days=60)
    labelled = judge([at(1)], [(at(0), at(2))], days=30)
    assert (unlabelled.labelled, unlabelled.alarm_episodes) == (False, 2)
    totals = DexTotals.of([unlabelled, labelled])
    assert (totals.files, totals.rows, totals.no_verdict) == (2, 200, 20)
    assert (totals.episodes, totals.caught, totals.false_alarms) == (1, 1, 0)
    assert totals.false_alarms_per_30_days == 0.0
    assert (totals.unlabelled_files, totals.unlabelled_episodes) == (1, 2)
    assert totals.unlabelled_per_30_days == pytest.approx(1.0)


def test_totals_rate_is_over_summed_spans_and_delays_over_caught_episodes() -> None:
    files = [
        judge([at(5), at(200)], [(at(0), at(10)), (at(20), at(30))], days=10),
        judge([at(2), at(300), at(400)], [(at(0), at(10))], days=50),
    ]
    totals = DexTotals.of(files)
    assert (totals.episodes, totals.caught, totals.false_alarms) == (3, 2, 3)
    assert totals.hours == (5.0, 2.0)
    assert totals.median_hours == pytest.approx(3.5)
    assert totals.mean_hours == pytest.approx(3.5)
    assert totals.false_alarms_per_30_days == pytest.approx(3 * 30 / 60)


def test_nothing_caught_has_no_delay() -> None:
    totals = DexTotals.of([judge([], [(at(0), at(1))])])
    assert (totals.median_hours, totals.mean_hours, totals.unlabelled_per_30_days) == (
        None,
        None,
        None,
    )
