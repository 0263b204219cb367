"""A per-record log line said as a summary: the first at once, then at most every `every_s`."""

from __future__ import annotations

import logging

import pytest

from dexwatch.streams.summary_log import SummaryLog


def test_a_flood_writes_a_line_a_minute_with_the_count_and_the_latest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    summary = SummaryLog(
        logging.getLogger("test.summary"),
        "inputs refused",
        "fix the producer",
        clock=lambda: now[0],
    )
    caplog.set_level(logging.INFO)
    for n in range(10_000):  # 10,000 in 50 s
        now[0] = n * 0.005
        summary.note(f"input {n}")
    assert [r.getMessage() for r in caplog.records] == [
        "1 inputs refused (at most a line every 60 s); latest: input 0; fix the producer"
    ]
    now[0] = 60.0
    summary.note("input 10000")
    assert caplog.records[-1].getMessage() == (
        "10000 inputs refused in the last 60 s (at most a line every 60 s); latest: input 10000; "
        "fix the producer"
    )
    assert len(caplog.records) == 2
