"""RecentPoints: bounded, oldest first, restorable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dexwatch.schemas.errors import DetectorInputError, StateFormatError
from dexwatch.streams.drift import DriftMonitor, RecentPoints

values = st.floats(-1e12, 1e12, allow_nan=False)


def test_the_buffer_keeps_the_last_points_oldest_first() -> None:
    recent = RecentPoints(3)
    for index in range(5):
        recent.append({"b": index * 2.0, "a": float(index)}, 60.0 * index)
    assert len(recent) == 3
    assert recent.measures == ("a", "b")
    assert recent.points() == [({"a": i, "b": 2.0 * i}, 60.0 * i) for i in (2.0, 3.0, 4.0)]


def test_the_buffer_refuses_other_measures() -> None:
    recent = RecentPoints(3)
    recent.append({"a": 1.0}, 0.0)
    with pytest.raises(DetectorInputError, match="measures"):
        recent.append({"b": 1.0}, 1.0)


@given(
    capacity=st.integers(1, 8),
    rows=st.lists(st.tuples(values, values, values), max_size=12),
)
def test_the_buffer_state_round_trips(
    capacity: int, rows: list[tuple[float, float, float]]
) -> None:
    recent = RecentPoints(capacity)
    for tvl, volume, at in rows:
        recent.append({"tvl_usd": tvl, "volume_usd": volume}, at)
    restored = RecentPoints.from_state(recent.to_state())
    assert (restored.capacity, restored.measures) == (capacity, recent.measures)
    assert restored.points() == recent.points()
    restored.append({"tvl_usd": 1.0, "volume_usd": 2.0}, 3.0)
    assert len(restored) == min(len(rows) + 1, capacity)


def test_a_bad_capacity_is_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        RecentPoints(0)
    with pytest.raises(StateFormatError, match="not 'recent_points'"):
        RecentPoints.from_state(DriftMonitor().to_state())
