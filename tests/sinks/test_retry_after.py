"""Retry-After as delay-seconds or as an HTTP date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dexwatch.sinks.retry_after import parse_retry_after

NOW = datetime(2026, 1, 6, 11, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("Tue, 06 Jan 2026 11:00:30 GMT", 30.0),  # IMF-fixdate, the preferred form
        ("Tuesday, 06-Jan-26 11:01:00 GMT", 60.0),  # obsolete RFC 850 form
        ("Tue Jan  6 11:00:10 2026", 10.0),  # obsolete asctime form, no zone: UTC
        ("Tue, 06 Jan 2026 10:00:00 GMT", 0.0),  # in the past: now
    ],
)
def test_seconds_and_dates(header: str, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("header", [None, "", "soon", "-1", "1e3", "12 s", "Tue, 99 Foo 2026"])
def test_absent_or_unreadable_is_none(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


def test_a_date_is_measured_from_the_clock_when_no_now_is_given() -> None:
    assert parse_retry_after("Tue, 06 Jan 2026 11:00:30 GMT") == 0.0  # long past
