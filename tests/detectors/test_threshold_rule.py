"""The hard-bound rule, and the `outside_score` scale every rule shares."""

from __future__ import annotations

import math
from typing import Any

import pytest

from dexwatch.detectors.threshold_rule import ThresholdRule, outside_score


def score(rule: ThresholdRule, value: float) -> float:
    return rule.score_one({"tvl": value}).value


def test_outside_score_is_zero_inside_and_half_one_unit_out() -> None:
    assert outside_score(5.0, 0.0, 10.0, 2.0) == 0.0
    assert outside_score(10.0, 0.0, 10.0, 2.0) == 0.0
    assert outside_score(12.0, 0.0, 10.0, 2.0) == 0.5
    assert outside_score(-2.0, 0.0, 10.0, 2.0) == 0.5
    assert outside_score(16.0, 0.0, 10.0, 2.0) == 0.75
    assert outside_score(1e300, -math.inf, 0.0, 1.0) == pytest.approx(1.0)


def test_outside_score_ignores_rounding_against_a_zero_unit() -> None:
    level = 1234.5678
    assert outside_score(math.nextafter(level, math.inf), level, level, 0.0) < 1e-6
    assert outside_score(level + 1.0, level, level, 0.0) > 0.99


def test_scores_zero_within_and_rises_beyond_either_bound() -> None:
    rule = ThresholdRule("tvl", lower=0.0, upper=100.0)
    assert [score(rule, v) for v in (0.0, 50.0, 100.0)] == [0.0, 0.0, 0.0]
    # The unit defaults to the distance between the bounds.
    assert score(rule, 200.0) == 0.5
    assert score(rule, -100.0) == 0.5
    assert 0.0 < score(rule, 100.1) < score(rule, 150.0) < score(rule, 1000.0) < 1.0


@pytest.mark.parametrize(
    ("arguments", "value", "expected"),
    [
        ({"upper": 10.0}, 20.0, 0.5),  # unit |upper| = 10
        ({"lower": 0.0}, -1.0, 0.5),  # unit at least 1.0
        ({"lower": -4.0}, -1e9, pytest.approx(1.0)),
        ({"lower": -4.0}, 1e9, 0.0),
        ({"upper": 10.0, "scale": 1.0}, 11.0, 0.5),
    ],
)
def test_one_sided_bounds_and_scale(arguments: dict[str, Any], value: float, expected: Any) -> None:
    assert score(ThresholdRule("tvl", **arguments), value) == expected


def test_never_warms_up_and_learns_nothing() -> None:
    rule = ThresholdRule("tvl", upper=1.0)
    state = rule.to_state()
    assert not rule.warming_up
    assert not rule.score_one({"tvl": 0.0}).warming_up
    for value in range(100):
        rule.learn_one({"tvl": float(value)})
    assert rule.to_state() == state


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "needs a lower bound"),
        ({"lower": 5.0, "upper": 5.0}, "must be below"),
        ({"upper": math.inf}, "finite"),
        ({"upper": 1.0, "scale": 0.0}, "positive"),
    ],
)
def test_refuses_bad_bounds(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ThresholdRule("tvl", **arguments)
