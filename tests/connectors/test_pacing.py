"""Pacer: items leave on a schedule from the first one, and lateness does not accumulate."""

from __future__ import annotations

import pytest

from dexwatch.connectors.pacing import Pacer


class FakeClock:
    """A monotonic clock that only moves when slept on or told to."""

    def __init__(self, start: float = 500.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waits_until_each_offset_from_the_first_call() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, clock.sleep)
    assert pacer.elapsed() == 0.0
    times = []
    for offset in (0.0, 0.5, 0.5, 2.0):
        pacer.wait_until(offset)
        times.append(clock.now - 500.0)
    assert times == [0.0, 0.5, 0.5, 2.0]
    assert clock.sleeps == [0.5, 1.5], "no sleep when already due"
    assert pacer.elapsed() == 2.0


def test_a_late_item_goes_at_once_and_the_schedule_keeps_its_origin() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, clock.sleep)
    pacer.wait_until(0.0)
    clock.now += 3.0  # slow work
    pacer.wait_until(1.0)
    assert clock.sleeps == []
    pacer.wait_until(4.0)
    assert clock.sleeps == [pytest.approx(1.0)]
    pacer.wait_until(-10.0)  # earlier than the first: never waits
    assert len(clock.sleeps) == 1
