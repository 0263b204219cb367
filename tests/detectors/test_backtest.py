"""The backtest engine: bad rows skipped but kept, series by dimensions, no look-ahead."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.detectors.backtest import (
    Backtest,
    BacktestColumns,
    BacktestRow,
    ProgressCallback,
    backtest_file,
    default_measures,
)
from dexwatch.detectors.backtest_config import load_detector_settings, settings_with
from dexwatch.detectors.series_model import SeriesModel, SeriesModelSettings
from dexwatch.schemas.errors import ConfigError
from dexwatch.tabular.row_order import RowOrder

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
        "line 3: time 'yesterday' is neither ISO 8601 nor a Unix time",
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
        assert fields[0] == row.output_time == row.timestamp.replace("+00:00", "Z")
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


def test_keep_order_scores_in_file_order_when_the_clock_jumps_back(tmp_path: Path) -> None:
    lines = series_lines(20)
    jumped = lines[:10] + lines[5:10] + lines[10:]
    path = write(tmp_path / "in.csv", "timestamp,value", jumped)
    backtest = Backtest(VALUE, SeriesModelSettings())
    rows = list(backtest_file(path, backtest, keep_order=True))
    assert [row.timestamp for row in rows] == [line.split(",")[0] for line in jumped]
    # Rows 5 to 8 come again; the repeat of row 9 ties with the latest, which is in order.
    assert backtest.order == RowOrder(out_of_order=4, sorted=False)
    assert backtest.rows_total == 25
    assert "4 row(s) out of time order: scored in file order" in backtest.order.summary()


def test_rows_out_of_order_are_sorted_per_series_by_default(tmp_path: Path) -> None:
    lines = series_lines(20)
    jumped = lines[:10] + lines[5:10] + lines[10:]
    path = write(tmp_path / "in.csv", "timestamp,value", jumped)
    backtest = Backtest(VALUE, SeriesModelSettings())
    rows = list(backtest_file(path, backtest))
    times = [row.time for row in rows]
    assert times == sorted(times)  # type: ignore[type-var]
    # Stable: of two rows at the same time, the earlier line comes first.
    assert [row.line for row in rows[5:15]] == [7, 12, 8, 13, 9, 14, 10, 15, 11, 16]
    assert backtest.order == RowOrder(out_of_order=4, sorted=True)
    assert backtest.rows_total == 25


def test_a_newest_first_file_scores_as_the_oldest_first_one(tmp_path: Path) -> None:
    lines = series_lines(400, spike_at=350)
    forward = run(write(tmp_path / "forward.csv", "timestamp,value", lines))
    backtest = Backtest(VALUE, SeriesModelSettings())
    path = write(tmp_path / "backward.csv", "timestamp,value", lines[::-1])
    backward = list(backtest_file(path, backtest))
    assert [row.verdict for row in backward] == [row.verdict for row in forward]
    assert [row.line for row in backward] == list(range(401, 1, -1))
    assert backtest.order.out_of_order == 399
    assert "399 row(s) out of time order: sorted per series" in backtest.order.summary()


def test_sorting_keeps_each_series_in_its_own_slots_and_bad_rows_in_place(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "in.csv",
        "timestamp,pool,value",
        [
            "2024-03-01T00:10:00Z,a,1",
            "2024-03-01T00:00:00Z,b,2",
            "not-a-time,a,3",
            "2024-03-01T00:05:00Z,a,4",
            "2024-03-01T00:05:00Z,b,5",
        ],
    )
    columns = BacktestColumns("timestamp", ("value",), dimensions=("pool",))
    backtest = Backtest(columns, SeriesModelSettings())
    rows = list(backtest_file(path, backtest))
    assert [(row.dimensions[0], row.line) for row in rows] == [
        ("a", 5),
        ("b", 3),
        ("a", 4),
        ("a", 2),
        ("b", 6),
    ]
    assert backtest.order == RowOrder(out_of_order=1, sorted=True)
    assert backtest.bad_rows.total == 1


def test_an_ordered_file_is_streamed_as_it_is(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "timestamp,value", series_lines(30))
    backtest = Backtest(VALUE, SeriesModelSettings())
    rows = list(backtest_file(path, backtest))
    assert [row.line for row in rows] == list(range(2, 32))
    assert backtest.order == RowOrder()
    assert backtest.order.summary() == "rows in time order"
    assert backtest.rows_total == 30


def test_unix_times_in_milliseconds_and_nanoseconds_are_read_by_size(tmp_path: Path) -> None:
    base = series_lines(300)
    seconds = [int(datetime.fromisoformat(line.split(",")[0]).timestamp()) for line in base]
    values = [line.split(",")[1] for line in base]
    iso = run(write(tmp_path / "iso.csv", "timestamp,value", base))
    for unit, factor, name in (("ms", 1_000, "milliseconds"), ("ns", 10**9, "nanoseconds")):
        lines = [f"{s * factor},{v}" for s, v in zip(seconds, values, strict=True)]
        backtest = Backtest(VALUE, SeriesModelSettings())
        rows = list(
            backtest_file(write(tmp_path / f"{unit}.csv", "timestamp,value", lines), backtest)
        )
        assert backtest.times.describe() == f"Unix {name}"
        assert [row.time for row in rows] == [row.time for row in iso]
        assert [row.verdict for row in rows] == [row.verdict for row in iso]
        assert rows[0].output_time == "2024-03-01T00:00:00Z"


def test_a_row_in_another_time_unit_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "in.csv",
        "timestamp,value",
        ["1709251200000,1", "1709251500,2", "1709251800000,3", "2024-03-01T00:15:00Z,4"],
    )
    backtest = Backtest(VALUE, SeriesModelSettings())
    rows = list(backtest_file(path, backtest))
    assert [row.verdict is not None for row in rows] == [True, False, True, False]
    assert backtest.bad_rows.by_kind == {"mixed time formats": 2}
    assert backtest.bad_rows.examples[0] == (
        3,
        "line 3: time '1709251500' reads as Unix seconds, but this file's times are "
        "Unix milliseconds (as on line 2)",
    )
    assert "reads as ISO 8601" in backtest.bad_rows.examples[1][1]
    assert rows[1].output_time == "1709251500"


def test_rows_warming_up_are_counted_apart(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "timestamp,value", series_lines(400))
    backtest = Backtest(VALUE, SeriesModelSettings())
    rows = list(backtest_file(path, backtest))
    warming = sum(row.verdict is not None and row.verdict.warming_up for row in rows)
    assert 0 < warming < 400
    assert backtest.rows_warming_up == warming
    assert backtest.rows_scored == 400


def test_semicolon_and_tab_files_are_read_like_comma_files(tmp_path: Path) -> None:
    lines = series_lines(50)
    expected = run(write(tmp_path / "comma.csv", "timestamp,value", lines))
    for name, delimiter in (("semicolon", ";"), ("tab", "\t")):
        text = [line.replace(",", delimiter) for line in lines]
        path = write(tmp_path / f"{name}.csv", f"timestamp{delimiter}value", text)
        backtest = Backtest(VALUE, SeriesModelSettings())
        rows = list(backtest_file(path, backtest))
        assert backtest.delimiter == delimiter
        assert [row.verdict for row in rows] == [row.verdict for row in expected]
        given = Backtest(VALUE, SeriesModelSettings())
        assert len(list(backtest_file(path, given, delimiter=delimiter))) == 50


def test_default_measures_are_the_columns_left_over() -> None:
    header = ["timestamp", "pool", "volume", "label", "tvl", "volume"]
    assert default_measures(header, "timestamp", ("pool",), ("label",)) == ("volume", "tvl")
    with pytest.raises(ConfigError, match="no column is left for measures"):
        default_measures(["timestamp", "pool"], "timestamp", ("pool",))


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
