"""The rolling mean over event time: buckets that expire, a gap that empties it, its state."""

from __future__ import annotations

import numpy as np
import pytest

from dexwatch.streams.drift.rolling_window import BUCKETS, RollingWindow

DAY = 86_400.0
HOUR = DAY / BUCKETS


def test_the_mean_covers_the_last_day_only() -> None:
    window = RollingWindow(DAY)
    for minute in range(2 * 1440):
        window.add(0.0 if minute < 1440 else 1.0, 60.0 * minute)
    # The second day's values alone (the first day's buckets have expired).
    assert window.mean() == 1.0
    assert window.filled == BUCKETS


def test_a_gap_longer_than_the_window_empties_it() -> None:
    window = RollingWindow(DAY)
    for hour in range(10):
        window.add(5.0, HOUR * hour)
    window.add(-1.0, 3 * DAY)
    assert (window.count, window.filled, window.mean()) == (1, 1, -1.0)


def test_its_state_round_trips_and_a_wrong_size_is_refused() -> None:
    window = RollingWindow(DAY)
    for hour in range(30):
        window.add(float(hour), HOUR * hour + 7.0)
    copy = RollingWindow.from_array(DAY, window.to_array())
    copy.add(100.0, HOUR * 31)
    window.add(100.0, HOUR * 31)
    assert copy.mean() == window.mean()
    with pytest.raises(ValueError, match="holds 50 floats"):
        RollingWindow.from_array(DAY, np.zeros(3))
