"""Explanations: value, band and deviation on one scale, and a direction that agrees with them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dexwatch.detectors.series_model import SeriesModel, SeriesModelSettings
from dexwatch.detectors.verdict import MeasureMove, distinct_figures

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_value_outside_the_band_never_reads_as_its_edge() -> None:
    move = MeasureMove("close", 1.00105, 1.00098, 1.00102, 3.4)
    assert move.direction == "above"
    assert move.explain() == "close 1.00105 above 1.00098..1.00102 (level, +3.4 sd)"
    assert distinct_figures(0.99, 1.0, 1.1) == ("0.99", "1", "1.1")


def test_inside_the_band_is_neither_above_nor_below() -> None:
    move = MeasureMove("liquidity", 8.464e16, 6.279e16, 1.991e18, -2.0, "smoothed")
    assert move.direction == "within"
    assert "recent mean 8.464e+16 within 6.279e+16..1.991e+18" in move.explain()


_SERIES = st.lists(
    st.one_of(
        st.floats(-1e6, 1e6, allow_nan=False),
        st.sampled_from([0.0, 1.0, 1.0001, 1e9, -3.0]),
    ),
    min_size=40,
    max_size=160,
)


@settings(max_examples=60, deadline=None)
@given(
    base=_SERIES,
    scale=st.sampled_from([1e-4, 1.0, 1e3, 1e12]),
    transform=st.sampled_from(["signed_log", "none"]),
    jumps=st.lists(st.tuples(st.integers(0, 159), st.floats(-1e7, 1e7)), max_size=4),
)
def test_every_explained_move_agrees_with_its_own_numbers(
    base: list[float], scale: float, transform: str, jumps: list[tuple[int, float]]
) -> None:
    values = [value * scale for value in base]
    for at, size in jumps:
        if at < len(values):
            values[at] += size
    model = SeriesModel(SeriesModelSettings.model_validate({"transform": transform}))
    for index, value in enumerate(values):
        verdict = model.process({"x": value, "y": abs(value) + 1}, T0 + index * timedelta(hours=1))
        for move in verdict.moves:
            assert move.expected_low <= move.expected_high
            text = move.explain()
            said = re.search(r" (above|below|within) ", text)
            assert said is not None
            assert said.group(1) == move.direction
            if move.direction == "above":
                assert move.value > move.expected_high
                assert move.deviation > 0
            elif move.direction == "below":
                assert move.value < move.expected_low
                assert move.deviation < 0
            else:
                assert move.expected_low <= move.value <= move.expected_high
            if verdict.is_anomaly and move is verdict.moves[0]:
                # The leading move of an alert is always outside the band it is judged by.
                assert move.direction != "within"
