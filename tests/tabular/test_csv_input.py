"""Backtest files: times (ISO 8601 or Unix in any unit), delimiters, line counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.schemas.errors import DexwatchError
from dexwatch.tabular.csv_input import (
    CsvInput,
    TimeParseError,
    count_data_lines,
    parse_time,
    read_time,
)

HALF_PAST = datetime(2014, 7, 1, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected", "form"),
    [
        ("2014-07-01 00:30:00", HALF_PAST, "iso"),
        ("2014-07-01T00:30:00Z", HALF_PAST, "iso"),
        ("2014-07-01T02:30:00+02:00", HALF_PAST, "iso"),
        ("2014-04-10 07:15:00.000000", datetime(2014, 4, 10, 7, 15, tzinfo=UTC), "iso"),
        ("1404174600", HALF_PAST, "s"),
        (" 1404174600.5 ", HALF_PAST + timedelta(milliseconds=500), "s"),
        ("1404174600250", HALF_PAST + timedelta(milliseconds=250), "ms"),
        ("1404174600000250", HALF_PAST + timedelta(microseconds=250), "us"),
        ("1404174600000000000", HALF_PAST, "ns"),
    ],
)
def test_times_are_iso_8601_naive_as_utc_or_unix_times_in_any_unit(
    text: str, expected: datetime, form: str
) -> None:
    assert read_time(text) == (expected, form)
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


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("timestamp,value\n2024-03-01,1.5\n", ","),
        ("timestamp;value\n2024-03-01;1,5\n2024-03-02;2,5\n", ";"),
        ("timestamp\tpool\tvalue\n2024-03-01\ta,b\t1\n", "\t"),
        ("\ufefftimestamp;value\n2024-03-01;1\n", ";"),
        ("value\n1\n", ","),
    ],
)
def test_the_delimiter_is_found_from_the_first_lines(
    tmp_path: Path, text: str, delimiter: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    with CsvInput(path) as source:
        assert (source.delimiter, source.sniffed) == (delimiter, True)
        header = source.header
        first = next(source.records())
    assert header[0] in ("timestamp", "value")
    assert first[0] == 2
    assert len(first[1]) == len(header)


def test_a_given_delimiter_is_used_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("timestamp,value\n2024-03-01,1\n")
    with CsvInput(path, ";") as source:
        assert (source.delimiter, source.sniffed) == (";", False)
        assert source.header == ["timestamp,value"]


@pytest.mark.parametrize(
    ("text", "rows"),
    [("", 0), ("h\n", 0), ("h\n1\n2\n", 2), ("h\n1\n2", 2), ("h\r\n1\r\n", 1)],
)
def test_data_lines_are_counted_without_the_header(tmp_path: Path, text: str, rows: int) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode())
    assert count_data_lines(path) == rows
