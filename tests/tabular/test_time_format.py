"""One time format per file, decided by the first time read."""

from __future__ import annotations

import pytest

from dexwatch.tabular.csv_input import TimeParseError
from dexwatch.tabular.time_format import FileTimes, MixedTimeFormatError


def test_the_first_time_decides_and_a_different_one_is_refused() -> None:
    times = FileTimes()
    assert times.describe() == "none read"
    with pytest.raises(TimeParseError):
        times.read("soon", 2)  # unreadable: decides nothing
    times.read("1709251200000000", 3)
    assert times.describe() == "Unix microseconds"
    times.read("1709251200000001", 4)
    with pytest.raises(MixedTimeFormatError, match=r"reads as Unix milliseconds.*\(as on line 3\)"):
        times.read("1709251200000", 5)
    with pytest.raises(MixedTimeFormatError, match="reads as ISO 8601"):
        times.read("2024-03-01T00:00:00Z", 6)


def test_iso_files_stay_iso() -> None:
    times = FileTimes()
    times.read("2024-03-01 00:00:00", 2)
    times.read("2024-03-01T00:05:00+01:00", 3)
    assert times.describe() == "ISO 8601"
    with pytest.raises(MixedTimeFormatError, match="reads as Unix seconds"):
        times.read("1709251200", 4)
