"""`python -m bench.quality.skab` on a small SKAB-shaped checkout made here (no real SKAB)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.quality.skab import (
    COLUMNS,
    detect_skab,
    judge_runs,
    label_windows,
    main,
    skab_totals,
)
from dexwatch.detectors.evaluation.labels import LabelError
from dexwatch.detectors.series_model import SeriesModelSettings

SENSORS = ("Accelerometer1RMS", "Current", "Pressure")
START = datetime(2020, 3, 9, 10, 0, 0, tzinfo=UTC)
ROWS = 300
# A departure of about 1,000 sd on a series of 10 ± 1: the first one a fresh model meets is an
# alert whatever the noise (a later one need not be: a score that does not beat the recent
# ones is damped), so each file holds at most one.
SPIKE = 10_000.0


def skab_file(
    path: Path,
    *,
    labelled: range,
    spike_at: int | None = None,
    seed: int = 0,
    line_end: str = "\n",
) -> None:
    """`ROWS` 1-second rows of noise, SKAB's columns: `anomaly` 1 over `labelled` (its first row
    a `changepoint`), and `SPIKE` added to the first sensor at row `spike_at`."""
    noise = random.Random(seed)
    lines = ["datetime;" + ";".join(SENSORS) + ";anomaly;changepoint"]
    for row in range(ROWS):
        values = [10.0 + noise.gauss(0.0, 1.0) for _ in SENSORS]
        if row == spike_at:
            values[0] += SPIKE
        at = START + timedelta(seconds=row)
        anomaly, changepoint = float(row in labelled), float(row == labelled.start)
        fields = [f"{at:%Y-%m-%d %H:%M:%S}", *(f"{value:.5f}" for value in values)]
        lines.append(";".join([*fields, str(anomaly), str(changepoint)]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((line_end.join(lines) + line_end).encode())


def skab_checkout(root: Path) -> Path:
    """One file per folder: a spike 5 s into valve1's label (caught), a label with nothing in it
    in valve2 (missed), and in other a missed label and a spike well before it (a false alarm)."""
    checkout = root / "SKAB"
    data = checkout / "data"
    # valve1's files end their lines with CRLF in SKAB, the others with LF.
    skab_file(data / "valve1" / "1.csv", labelled=range(150, 200), spike_at=155, line_end="\r\n")
    skab_file(data / "valve2" / "1.csv", labelled=range(150, 200), seed=1)
    skab_file(data / "other" / "1.csv", labelled=range(200, 250), spike_at=100, seed=2)
    skab_file(data / "anomaly-free" / "anomaly-free.csv", labelled=range(0), seed=3)
    return checkout


def test_the_labels_are_never_measures() -> None:
    header = ["datetime", *SENSORS, "anomaly", "changepoint"]
    assert COLUMNS.time == "datetime"
    assert COLUMNS.measures(header) == SENSORS


def test_departures_inside_labels_are_caught_and_outside_them_are_false_alarms(
    tmp_path: Path,
) -> None:
    runs = detect_skab(skab_checkout(tmp_path), SeriesModelSettings(), workers=1)
    assert [run.key for run in runs] == ["other/1.csv", "valve1/1.csv", "valve2/1.csv"]
    assert {run.measures for run in runs} == {SENSORS}
    files = {file.key: file for file in judge_runs(runs)}
    caught, missed, false_alarm = files["valve1/1.csv"], files["valve2/1.csv"], files["other/1.csv"]
    assert (caught.caught, caught.seconds, caught.false_alarm_points) == (1, (5.0,), 0)
    assert (missed.caught, missed.seconds, missed.false_alarm_points) == (0, (None,), 0)
    assert (false_alarm.caught, false_alarm.false_alarm_points) == (0, 1)
    assert false_alarm.false_alarm_episodes == 1
    totals = {total.name: total for total in skab_totals(list(files.values()))}
    every = totals["all"]
    assert (every.files, every.rows, every.no_verdict) == (3, 3 * ROWS, 3 * 30)
    assert (every.episodes, every.caught, every.median_seconds, every.mean_seconds) == (
        3,
        1,
        5.0,
        5.0,
    )
    assert (every.false_alarm_points, every.false_alarm_episodes) == (1, 1)
    assert [(name, totals[name].files, totals[name].caught) for name in totals] == [
        ("all", 3, 1),
        ("valve1", 1, 1),
        ("valve2", 1, 0),
        ("other", 1, 0),
    ]


def test_main_prints_each_file_the_totals_and_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = skab_checkout(tmp_path)
    argv = [str(checkout), "--per-file", "--workers", "1", "--set", "alert_threshold=0.55"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert "measures (3): Accelerometer1RMS, Current, Pressure; " in out
    assert "labels, not measures: anomaly, changepoint" in out
    # file, rows, no verdict, episodes, caught, seconds to the first alert, false alarms
    assert lines["valve1/1.csv"] == ["valve1/1.csv", "300", "30", "1", "1", "5.0", "0", "0"]
    assert lines["valve2/1.csv"] == ["valve2/1.csv", "300", "30", "1", "0", "-", "0", "0"]
    assert lines["other/1.csv"] == ["other/1.csv", "300", "30", "1", "0", "-", "1", "1"]
    assert lines["all"] == ["all", "3", "900", "90", "3", "1", "5.0", "5.0", "1", "1"]
    assert lines["other"] == ["other", "1", "300", "30", "1", "0", "-", "-", "1", "1"]
    assert out.rstrip().endswith("settings: defaults, --set alert_threshold=0.55")
    assert "anomaly-free" not in out


def test_a_missing_checkout_says_how_to_get_skab_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    looked = tmp_path / "nowhere"
    assert main([str(looked)]) == 2
    error = capsys.readouterr().err
    assert f"no SKAB data folder at {looked / 'data'}" in error
    assert "git clone https://github.com/waico/SKAB" in error


def test_a_checkout_without_one_of_the_folders_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = tmp_path / "SKAB"
    skab_file(checkout / "data" / "valve1" / "1.csv", labelled=range(10, 20))
    assert main([str(checkout)]) == 2
    assert f"no SKAB valve2 folder at {checkout / 'data' / 'valve2'}" in capsys.readouterr().err


def test_a_misspelt_setting_fails_before_any_file_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "nowhere"), "--set", "alert_treshold=0.6"]) == 1
    assert "alert_treshold" in capsys.readouterr().err


def test_label_windows_are_the_maximal_runs_of_anomaly_1(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    rows = ["datetime;Current;anomaly;changepoint"]
    for second, label in enumerate([0, 1, 1, 0, 1, 0, 0, 1, 1]):
        rows.append(f"2020-03-09 10:00:{second:02d};1.0;{label}.0;0.0")
    path.write_text("\n".join(rows) + "\n")
    at = [START + timedelta(seconds=second) for second in range(9)]
    assert label_windows(path) == [(at[1], at[2]), (at[4], at[4]), (at[7], at[8])]


def test_a_label_that_is_not_0_or_1_is_named(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("datetime;Current;anomaly;changepoint\n2020-03-09 10:00:00;1.0;0.5;0.0\n")
    with pytest.raises(LabelError, match=r"line 2: anomaly is '0.5', not 0 or 1"):
        label_windows(path)
