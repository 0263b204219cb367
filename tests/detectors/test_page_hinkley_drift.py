"""Page-Hinkley: the same detections as river's, and its score as a share of the threshold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from river.drift import PageHinkley

from dexwatch.detectors.page_hinkley_drift import PageHinkleyDriftDetector

PARAMETERS: list[dict[str, Any]] = [
    {},
    {"mode": "up"},
    {"mode": "down", "threshold": 10.0, "min_instances": 5},
    {"threshold": 5.0, "alpha": 0.99, "delta": 0.1},
    {"delta": 0.5, "threshold": 25.0, "alpha": 1.0},
]
IDS = ["defaults", "up", "down", "forgetful", "tuned"]


def shapes(seed: int) -> Iterator[tuple[str, npt.NDArray[np.float64]]]:
    rng = np.random.default_rng(seed)
    yield (
        "mean_shifts",
        np.concatenate(
            [rng.normal(0.0, 1.0, 1000), rng.normal(3.0, 1.0, 1000), rng.normal(-2.0, 2.0, 1000)]
        ),
    )
    yield (
        "bernoulli_rate",
        np.concatenate([rng.binomial(1, 0.2, 1500), rng.binomial(1, 0.6, 1500)]).astype(np.float64),
    )
    yield "ramp", rng.normal(0.0, 1.0, 3000) + np.linspace(0.0, 30.0, 3000)
    yield "stationary", rng.normal(5.0, 1.0, 3000)


@pytest.mark.parametrize("parameters", PARAMETERS, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_detects_at_the_same_indices_as_river(parameters: dict[str, Any], seed: int) -> None:
    total = 0
    for shape, values in shapes(seed):
        # Any: river's PageHinkley is untyped.
        river: Any = PageHinkley(**parameters)
        looped = PageHinkleyDriftDetector("v", **parameters)
        expected, found = [], []
        for index, value in enumerate(values.tolist()):
            if looped.score_one({"v": value}).value == 1.0:
                found.append(index)
            looped.learn_one({"v": value})
            river.update(value)
            if river.drift_detected:
                expected.append(index)
        batched = PageHinkleyDriftDetector("v", **parameters).process_many(
            [{"v": value} for value in values.tolist()]
        )
        assert found == expected, shape
        assert [i for i, score in enumerate(batched) if score.value == 1.0] == expected, shape
        total += len(expected)
    assert total > 0, "the streams must contain drifts for the comparison to mean anything"


@pytest.mark.parametrize("parameters", PARAMETERS, ids=IDS)
def test_score_is_river_statistic_over_threshold(parameters: dict[str, Any]) -> None:
    _, values = next(shapes(seed=3))
    river: Any = PageHinkley(**parameters)
    ours = PageHinkleyDriftDetector("v", **parameters)
    mode = parameters.get("mode", "both")
    for value in values.tolist():
        score = ours.score_one({"v": value})
        ours.learn_one({"v": value})
        river.update(value)
        if river._x_mean.n < river.min_instances:
            assert (score.value, score.warming_up) == (0.0, True)
            continue
        increase = river._sum_increase - river._min_increase
        decrease = river._max_decrease - river._sum_decrease
        statistic = {"up": increase, "down": decrease, "both": max(increase, decrease)}[mode]
        assert not score.warming_up
        if river.drift_detected:
            assert score.value == 1.0
        else:
            assert score.value == min(statistic / river.threshold, np.nextafter(1.0, 0.0))


def test_tuned_to_the_spread_it_stays_quiet_on_noise() -> None:
    values = np.random.default_rng(4).normal(0.0, 1.0, 100_000).tolist()
    detector = PageHinkleyDriftDetector("v", delta=0.5, threshold=25.0, alpha=1.0)
    levels = np.array([s.value for s in detector.process_many([{"v": v} for v in values])])
    assert levels.max() < 0.6
    assert np.quantile(levels, 0.5) < 0.05
    assert np.quantile(levels, 0.99) < 0.25
    shifted = detector.process_many([{"v": v + 2.0} for v in values[:100]])
    assert any(score.value == 1.0 for score in shifted[:40]), "a 2-sd shift is caught soon"


def test_restarts_after_a_detection_like_river() -> None:
    values = np.concatenate([np.zeros(100), np.full(100, 10.0)]).tolist()
    detector = PageHinkleyDriftDetector("v", min_instances=30)
    scores = detector.process_many([{"v": v} for v in values])
    detection = next(i for i, score in enumerate(scores) if score.value == 1.0)
    assert 100 <= detection < 110
    after = scores[detection + 1 : detection + 30]
    assert all(score.warming_up and score.value == 0.0 for score in after)


@pytest.mark.parametrize(
    "parameters", [{"mode": "sideways"}, {"threshold": 0.0}, {"min_instances": 0}]
)
def test_refuses_bad_parameters(parameters: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        PageHinkleyDriftDetector("v", **parameters)
