from __future__ import annotations

import math

import pytest

from detectors.expected_band import ExpectedBand
from detectors.signed_log import signed_log, signed_log_inverse


def test_band_follows_mean_and_spread() -> None:
    band = ExpectedBand(span=19, width=3.0)
    for value in [10.0, 12.0] * 200:
        band.learn(value)
    position = band.position(11.0)
    assert position.low < 10.0
    assert position.high > 12.0
    assert abs(position.deviation) < 0.2
    assert band.position(20.0).deviation > 5


def test_first_value_has_no_band_yet() -> None:
    position = ExpectedBand().position(5.0)
    assert (position.low, position.high, position.deviation) == (5.0, 5.0, 0.0)


@pytest.mark.parametrize("value", [-1e9, -3.5, 0.0, 1e-6, 42.0, 1e12])
def test_signed_log_round_trips(value: float) -> None:
    assert math.isclose(signed_log_inverse(signed_log(value)), value, rel_tol=1e-9, abs_tol=1e-12)
