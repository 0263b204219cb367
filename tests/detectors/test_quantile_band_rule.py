"""The band between two quantiles of the recent values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dexwatch.detectors.quantile_band_rule import QuantileBandRule


def learnt(rule: QuantileBandRule, values: list[float]) -> QuantileBandRule:
    for value in values:
        rule.learn_one({"v": value})
    return rule


def score(rule: QuantileBandRule, value: float) -> float:
    return rule.score_one({"v": value}).value


@pytest.mark.parametrize(("q_low", "q_high"), [(0.01, 0.99), (0.1, 0.9), (0.0, 1.0)])
def test_band_is_the_numpy_quantiles_of_the_window(q_low: float, q_high: float) -> None:
    values = np.random.default_rng(0).lognormal(0.0, 1.0, 500)
    rule = learnt(QuantileBandRule("v", window=200, q_low=q_low, q_high=q_high), values.tolist())
    low, high = np.quantile(values[-200:], [q_low, q_high])
    width = high - low
    assert score(rule, (low + high) / 2) == 0.0
    assert score(rule, low + 1e-9) == 0.0
    assert score(rule, high - 1e-9) == 0.0
    assert score(rule, high + width) == pytest.approx(0.5)
    assert score(rule, low - 3 * width) == pytest.approx(0.75)


def test_ordinary_values_score_little_and_far_ones_near_one() -> None:
    values = np.random.default_rng(1).normal(0.0, 1.0, 2000).tolist()
    rule = QuantileBandRule("v")
    scores = [s.value for s in rule.process_many([{"v": v} for v in values])][20:]
    assert np.quantile(scores, 0.95) == 0.0
    assert max(scores) < 0.5
    assert score(rule, 40.0) > 0.9


def test_warms_up_until_min_points() -> None:
    rule = QuantileBandRule("v", min_points=5)
    for value in range(5):
        assert rule.score_one({"v": 1e9}).warming_up
        rule.learn_one({"v": float(value)})
    assert not rule.score_one({"v": 1e9}).warming_up


@pytest.mark.parametrize(
    "arguments",
    [{"q_low": 0.5, "q_high": 0.5}, {"q_low": -0.1}, {"q_high": 1.1}, {"min_points": 1}],
)
def test_refuses_bad_parameters(arguments: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="need"):
        QuantileBandRule("v", **arguments)
