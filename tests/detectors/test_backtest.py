"""The backtest engine: bad rows skipped but kept, series by dimensions, no look-ahead."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from detectors.backtest import (
    Backtest,
    BacktestColumns,
    BacktestRow,
    ProgressCallback,
    backtest_file,
)
from detectors.backtest_config import load_detector_settings, settings_with
from detectors.backtest_io import CsvInput, TimeParseError, parse_time
from detectors.series_model import SeriesModel, SeriesModelSettings
from schemas.errors import ConfigError, DexwatchError

T0 = datetime(2024, 3, 1, tzinfo=UTC)
VALUE = BacktestColumns(time_column="timestamp", measures=("value",))


def series_lines(n: int, seed: int = 1, spike_at: int | None = None) -> list[str]:
    """`timestamp,value` lines of a daily-seasonal noisy series, one row per 5 minutes."""
    rng = random.Random(seed)
    lines = []
    for step in range(n):
        value = 100 + 20 * math.sin(2 * math.pi * step / 288) + rng.gauss(0, 2)
        if step == spike_at:
            value *= 6
        lines.append(f"{(T0 + timedelta(minutes=5 * step)).isoformat()},{value:.4f}")
    return lines


def write(path: Path, header: str, lines: list[str]) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def run(
    path: Path,
    columns: BacktestColumns = VALUE,
    on_progress: ProgressCallback | None = None,
    progress_seconds: float = 5.0,
) -> list[BacktestRow]:
    backtest = Backtest(
        columns, SeriesModelSettings(), on_progress=on_progress, progress_seconds=progress_seconds
    )
    return list(backtest_file(path, backtest))


def test_bad_rows_are_counted_by_reason_skipped_and_still_get_an_output_row(
    tmp_path: Path,
) -> None:
    good = series_lines(6)
    path = write(
        tmp_path / "in.csv",
        "timestamp,value",
        [
            good[0],
            "yesterday,5",
            f"{T0.isoformat()},abc",
            f"{T0.isoformat()},",
            f"{T0.isoformat()},nan",
            f"{T0.isoformat()},-inf",
            f"{T0.isoformat()}",
            f"{T0.isoformat()},1,2",
            good[1],
            "",  # a blank line is not a row
            good[2],
        ],
    )
    backtest = Backtest(VALUE, SeriesModelSettings())
    rows = list(backtest_file(path, backtest))
    assert len(rows) == 10 == backtest.rows_read
    assert [row.verdict is not None for row in rows] == [True] + [False] * 7 + [True, True]
    assert dict(backtest.bad_rows.by_kind) == {
        "unparseable time": 1,
        "non-numeric measure": 2,
        "non-finite measure": 2,
        "missing column": 1,
        "extra fields": 1,
    }
    assert backtest.bad_rows.total == 7
    # The first few, with their line numbers (the header is line 1).
    assert backtest.bad_rows.examples[0] == (
        3,
        "line 3: time 'yesterday' is neither ISO 8601 nor epoch seconds",
    )
    assert backtest.bad_rows.examples[1][1] == "line 4: measure 'value' is not a number: 'abc'"
    assert len(backtest.bad_rows.examples) == 5
    assert "7 bad row(s) skipped" in backtest.bad_rows.summary()
    # The model never saw them.
    assert backtest.models[()].points_seen == 3
    skipped = rows[1].output_fields()
    assert skipped == ["yesterday", "", "", 0, "skipped: " + str(rows[1].skipped)]
    assert [rows[8].line, rows[9].line] == [10, 12]


def test_output_has_one_row_per_input_row_and_the_promised_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "timestamp,value", series_lines(400, spike_at=350))
    rows = run(path)
    assert len(rows) == 400
    assert VALUE.output_header() == [
        "timestamp",
        "score",
        "severity",
        "is_anomaly",
        "explanation",
    ]
    for row in rows:
        fields = row.output_fields()
        assert len(fields) == 5
        assert fields[0] == row.timestamp
        assert 0.0 <= float(fields[1]) <= 1.0
        assert 0 <= int(fields[2]) <= 100
        assert fields[3] in (0, 1)
    assert rows[0].output_fields()[4] == "warming up"


def test_series_are_grouped_by_dimensions_each_with_a_fresh_model(tmp_path: Path) -> None:
    a, b = series_lines(300, seed=1), series_lines(200, seed=2)
    interleaved = []
    for step in range(300):
        interleaved.append(f"{a[step]},eth,pool-a")
        if step < 200:
            interleaved.append(f"{b[step]},eth,pool-b")
    path = write(tmp_path / "in.csv", "timestamp,value,chain,pool", interleaved)
    columns = BacktestColumns("timestamp", ("value",), dimensions=("chain", "pool"))
    backtest = Backtest(columns, SeriesModelSettings())
    rows = list(backtest_file(path, backtest))
    assert {key: model.points_seen for key, model in backtest.models.items()} == {
        ("eth", "pool-a"): 300,
        ("eth", "pool-b"): 200,
    }
    assert columns.output_header()[:3] == ["timestamp", "chain", "pool"]
    # Each series scores exactly as it would alone: the other series does not leak in.
    alone = run(write(tmp_path / "a.csv", "timestamp,value", a))
    together = [row.score for row in rows if row.dimensions == ("eth", "pool-a")]
    assert together == [row.score for row in alone]


def test_no_look_ahead_appending_rows_leaves_earlier_verdicts_unchanged(tmp_path: Path) -> None:
    lines = series_lines(600, spike_at=500)
    short = run(write(tmp_path / "short.csv", "timestamp,value", lines[:450]))
    full = run(write(tmp_path / "full.csv", "timestamp,value", lines))
    assert [row.verdict for row in full[:450]] == [row.verdict for row in short]


def test_the_file_order_is_kept_when_the_clock_jumps_back(tmp_path: Path) -> None:
    lines = series_lines(20)
    jumped = lines[:10] + lines[5:10] + lines[10:]
    rows = run(write(tmp_path / "in.csv", "timestamp,value", jumped))
    assert [row.timestamp for row in rows] == [line.split(",")[0] for line in jumped]


def test_a_column_missing_from_the_header_fails_at_once_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "time,value", series_lines(3))
    with pytest.raises(ConfigError, match="time column 'timestamp' is not in the header"):
        run(path)
    columns = BacktestColumns("time", ("value", "volume"))
    with pytest.raises(ConfigError, match="measure 'volume' is not in the header"):
        run(path, columns)


@pytest.mark.parametrize(
    ("measures", "dimensions", "message"),
    [
        ((), (), "at least one measure"),
        (("v", "v"), (), "'v' is named twice"),
        (("t",), (), "'t' is named twice"),
        (("v",), ("v",), "'v' is named twice"),
        (("v",), ("score",), "clash"),
    ],
)
def test_column_roles_are_checked(
    measures: tuple[str, ...], dimensions: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        BacktestColumns("t", measures, dimensions)


def test_progress_is_reported_during_long_runs(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "timestamp,value", series_lines(3000))
    calls: list[tuple[int, float]] = []
    run(path, on_progress=lambda rows, seconds: calls.append((rows, seconds)), progress_seconds=0)
    assert [rows for rows, _ in calls] == [1024, 2048]


def test_carried_columns_are_handed_back_and_never_seen_by_the_model(tmp_path: Path) -> None:
    lines = [f"{line},{step % 2}" for step, line in enumerate(series_lines(300))]
    path = write(tmp_path / "in.csv", "timestamp,value,label", lines)
    columns = BacktestColumns("timestamp", ("value",), carry=("label",))
    rows = run(path, columns)
    assert [row.carried for row in rows[:3]] == [("0",), ("1",), ("0",)]
    plain = run(write(tmp_path / "plain.csv", "timestamp,value", series_lines(300)))
    assert [row.verdict for row in rows] == [row.verdict for row in plain]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-07-01 00:30:00", datetime(2014, 7, 1, 0, 30, tzinfo=UTC)),
        ("2014-07-01T00:30:00Z", datetime(2014, 7, 1, 0, 30, tzinfo=UTC)),
        ("2014-07-01T02:30:00+02:00", datetime(2014, 7, 1, 0, 30, tzinfo=UTC)),
        ("2014-04-10 07:15:00.000000", datetime(2014, 4, 10, 7, 15, tzinfo=UTC)),
        ("1404174600", datetime(2014, 7, 1, 0, 30, tzinfo=UTC)),
        (" 1404174600.5 ", datetime(2014, 7, 1, 0, 30, 0, 500000, tzinfo=UTC)),
    ],
)
def test_times_are_iso_8601_naive_as_utc_or_epoch_seconds(text: str, expected: datetime) -> None:
    parsed = parse_time(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["", "soon", "nan", "1e300", "2014-13-01 00:00:00"])
def test_unparseable_times_raise(text: str) -> None:
    with pytest.raises(TimeParseError):
        parse_time(text)


def test_an_input_without_a_header_or_unreadable_fails_clearly(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DexwatchError, match="first line must be a header"):
        CsvInput(empty)
    with pytest.raises(DexwatchError, match="cannot read"):
        CsvInput(tmp_path / "missing.csv")


def test_detector_settings_come_from_a_yaml_detector_mapping(tmp_path: Path) -> None:
    config = tmp_path / "dataset.yaml"
    field, value = _some_numeric_field()
    config.write_text(f"detector:\n  {field}: {value}\n")
    assert getattr(load_detector_settings(config), field) == value
    config.write_text("detector:\n  no_such_field: 1\n")
    with pytest.raises(ConfigError, match="no_such_field"):
        load_detector_settings(config)
    config.write_text(f"detector:\n  {field}: not-a-number\n")
    with pytest.raises(ConfigError, match=field):
        load_detector_settings(config)
    config.write_text("detectors:\n  x: 1\n")
    with pytest.raises(ConfigError, match=r"unknown section.*detectors"):
        load_detector_settings(config)
    config.write_text("detector: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_detector_settings(config)
    assert settings_with(SeriesModelSettings(), **{field: value}) == SeriesModelSettings(
        **{field: value}
    )


def _some_numeric_field() -> tuple[str, int]:
    """A positive int field of the current SeriesModelSettings, and a valid other value."""
    defaults = SeriesModelSettings()
    for name, info in SeriesModelSettings.model_fields.items():
        current = getattr(defaults, name)
        if info.annotation is int and isinstance(current, int) and current > 2:
            candidate = current - 1
            try:
                SeriesModelSettings(**{name: candidate})
            except ValueError:
                continue
            return name, candidate
    raise AssertionError("SeriesModelSettings has no int field to set")


def test_a_model_per_series_is_a_plain_series_model() -> None:
    backtest = Backtest(VALUE, SeriesModelSettings())
    list(backtest.run(["timestamp", "value"], [(2, [T0.isoformat(), "1.0"], None)]))
    assert isinstance(backtest.models[()], SeriesModel)
