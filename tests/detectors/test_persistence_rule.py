"""A value stuck for too long, or jumped away from its recent level."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dexwatch.detectors.persistence_rule import PersistenceRule


def learnt(rule: PersistenceRule, values: list[float]) -> PersistenceRule:
    for value in values:
        rule.learn_one({"v": value})
    return rule


def score(rule: PersistenceRule, value: float) -> float:
    return rule.score_one({"v": value}).value


NOISE = np.random.default_rng(0).normal(0.0, 1.0, 60).tolist()


def test_stuck_scores_from_the_nth_repeat_on() -> None:
    rule = learnt(PersistenceRule("v", stuck_points=10, k=1e9), [*NOISE, 7.0])
    for repeats in range(2, 10):
        assert score(rule, 7.0) == 0.0, repeats
        rule.learn_one({"v": 7.0})
    assert score(rule, 7.0) == pytest.approx(1 / 11)  # the 10th value of the run
    learnt(rule, [7.0] * 9)
    assert score(rule, 7.0) == pytest.approx(0.5)  # the 19th: 2N - 1
    assert score(rule, 7.5) == 0.0, "a different value ends the run (jumps ignored, k huge)"


def test_tolerance_is_measured_from_the_start_of_the_run() -> None:
    rule = learnt(PersistenceRule("v", stuck_points=5, tolerance=0.1, k=1e9), NOISE)
    learnt(rule, [3.0, 3.05, 2.95, 3.08, 2.92])
    assert score(rule, 3.0) > 0.0
    creeping = learnt(PersistenceRule("v", stuck_points=5, tolerance=0.1, k=1e9), NOISE)
    learnt(creeping, [3.0, 3.06, 3.12, 3.18, 3.24])  # each step within 0.1, the run not
    assert score(creeping, 3.30) == 0.0


def test_jump_is_measured_in_recent_spreads() -> None:
    rule = learnt(PersistenceRule("v", window=50, k=4.0), NOISE)
    recent = np.array(NOISE[-50:])
    mean, spread = float(recent.mean()), float(recent.std())
    assert score(rule, mean + 3.9 * spread) == 0.0
    assert score(rule, mean + 5.0 * spread) == pytest.approx(0.5)
    assert score(rule, mean - 7.0 * spread) == pytest.approx(0.75)


def test_any_move_after_a_stuck_stretch_is_a_jump() -> None:
    rule = learnt(PersistenceRule("v", window=20), [*NOISE, *([4.0] * 20)])
    assert score(rule, 4.01) > 0.99


def test_warm_up_scores_only_stuck() -> None:
    rule = PersistenceRule("v", stuck_points=3, min_points=10)
    learnt(rule, [1.0, 1.0])
    result = rule.score_one({"v": 1.0})
    assert result.warming_up
    assert result.value == pytest.approx(0.25)
    assert rule.score_one({"v": 1e9}).value == 0.0


@pytest.mark.parametrize(
    "arguments",
    [{"stuck_points": 1}, {"tolerance": -1.0}, {"k": -1.0}, {"window": 5, "min_points": 10}],
)
def test_refuses_bad_parameters(arguments: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"must be|need"):
        PersistenceRule("v", **arguments)
