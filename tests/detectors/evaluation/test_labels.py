"""Labels: NAB windows found by exact time while rows stream by, and 0/1 labels."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.detectors.evaluation.labels import (
    LabelError,
    WindowLocator,
    load_nab_windows,
    nab_key,
    parse_label,
    windows_from_points,
)

T0 = datetime(2014, 1, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_windows_are_found_in_file_order_even_when_the_clock_jumps_back() -> None:
    # Rows 0..9 at minutes 0..9, then the clock jumps back: rows 10..14 at minutes 5..9 again.
    times = [at(m) for m in range(10)] + [at(m) for m in range(5, 10)] + [at(20)]
    locator = WindowLocator([(at(2), at(4)), (at(9), at(20))])
    for row, time in enumerate(times):
        locator.see(row, time)
    # The second window starts at the first minute-9 row (row 9), not at the later one (14).
    assert locator.rows() == [(2, 4), (9, 15)]


def test_a_window_end_before_its_start_row_is_not_taken() -> None:
    # The end time first appears before the start row; the window ends at its next appearance.
    times = [at(5), at(1), at(2), at(5)]
    locator = WindowLocator([(at(1), at(5))])
    for row, time in enumerate(times):
        locator.see(row, time)
    assert locator.rows() == [(1, 3)]


def test_a_window_whose_time_matches_no_row_fails_naming_the_time() -> None:
    locator = WindowLocator([(at(2), at(7))])
    for row, time in enumerate([at(m) for m in range(5)]):
        locator.see(row, time)
    with pytest.raises(LabelError, match="no row has the time 2014-01-01T00:07:00"):
        locator.rows()


def test_nab_windows_are_looked_up_by_the_last_two_path_parts(tmp_path: Path) -> None:
    labels = tmp_path / "windows.json"
    labels.write_text(
        json.dumps({"cat/file.csv": [["2014-01-01 00:02:00.000000", "2014-01-01 00:04:00"]]})
    )
    key, windows = load_nab_windows(labels, Path("/data/somewhere/cat/file.csv"))
    assert key == "cat/file.csv" == nab_key(Path("x/cat/file.csv"))
    assert windows == [(at(2), at(4))]
    with pytest.raises(LabelError, match=r"no entry 'other/file\.csv'.*e\.g\. cat/file\.csv"):
        load_nab_windows(labels, Path("other/file.csv"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1]", "expected an object"),
        ('{"cat/file.csv": [["2014-01-01"]]}', "window 1 is not \\[start, end\\]"),
        ('{"cat/file.csv": [["2014-01-02", "2014-01-01"]]}', "ends before it starts"),
        ('{"cat/file.csv": [["yesterday", "2014-01-01"]]}', "window 1: time 'yesterday'"),
    ],
)
def test_bad_windows_files_fail_clearly(tmp_path: Path, content: str, message: str) -> None:
    labels = tmp_path / "windows.json"
    labels.write_text(content)
    with pytest.raises(LabelError, match=message):
        load_nab_windows(labels, Path("cat/file.csv"))


def test_labels_are_0_or_1() -> None:
    assert [parse_label(text) for text in ("1", "0", " true ", "FALSE", "1.0")] == [
        True,
        False,
        True,
        False,
        True,
    ]
    with pytest.raises(LabelError, match="'yes' is not 0 or 1"):
        parse_label("yes")


def test_runs_of_ones_become_windows() -> None:
    labels = [bool(int(c)) for c in "0110001001"]
    assert windows_from_points(labels) == [(1, 2), (6, 6), (9, 9)]
    assert windows_from_points([]) == []
