"""Tukey's fences over a sliding window."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dexwatch.detectors.iqr_rule import IqrRule


def learnt(rule: IqrRule, values: list[float]) -> IqrRule:
    for value in values:
        rule.learn_one({"v": value})
    return rule


def score(rule: IqrRule, value: float) -> float:
    return rule.score_one({"v": value}).value


@pytest.mark.parametrize("k", [1.5, 3.0])
def test_fences_are_tukeys_on_numpy_quartiles(k: float) -> None:
    values = np.random.default_rng(0).normal(10.0, 2.0, 100)
    rule = learnt(IqrRule("v", window=100, k=k), values.tolist())
    q1, q3 = np.quantile(values, [0.25, 0.75])
    iqr = q3 - q1
    assert score(rule, q3 + k * iqr - 1e-9) == 0.0
    assert score(rule, q1 - k * iqr + 1e-9) == 0.0
    assert score(rule, q3 + k * iqr + iqr) == pytest.approx(0.5)
    assert score(rule, q1 - k * iqr - 3 * iqr) == pytest.approx(0.75)


def test_window_forgets_old_values() -> None:
    rule = learnt(IqrRule("v", window=50), [float(v % 10) for v in range(200)])
    assert score(rule, 25.0) > 0.5
    learnt(rule, [1000.0 + v % 10 for v in range(50)])
    assert score(rule, 1005.0) == 0.0
    assert score(rule, 5.0) > 0.9, "the old level is now far outside"


def test_warms_up_until_min_points() -> None:
    rule = IqrRule("v", window=100, min_points=20)
    for value in range(19):
        assert rule.warming_up
        assert rule.score_one({"v": 1e9}).value == 0.0
        rule.learn_one({"v": float(value)})
    rule.learn_one({"v": 19.0})
    assert not rule.warming_up
    assert rule.score_one({"v": 1e9}).value > 0.99


@pytest.mark.parametrize(
    "arguments", [{"k": -1.0}, {"window": 10, "min_points": 20}, {"min_points": 3}]
)
def test_refuses_bad_parameters(arguments: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"must be|need"):
        IqrRule("v", **arguments)
