"""ADWIN: the same detections as river's, and what its drift score means."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from river import drift

from dexwatch.detectors.adwin_drift import AdwinDriftDetector

# Any: river's ADWIN is untyped; calls through this name are checked by the tests instead.
RiverAdwin: Any = drift.ADWIN

PARAMETERS: list[dict[str, Any]] = [
    {},
    {"delta": 0.1, "clock": 1, "max_buckets": 3, "min_window_length": 2, "grace_period": 0},
    {"delta": 0.01, "clock": 5, "max_buckets": 2},
    {"clock": 3, "max_buckets": 1},
]


def shapes(seed: int) -> Iterator[tuple[str, npt.NDArray[np.float64]]]:
    rng = np.random.default_rng(seed)
    yield (
        "mean_shifts",
        np.concatenate(
            [rng.normal(0.0, 1.0, 1000), rng.normal(1.0, 1.0, 1000), rng.normal(-0.5, 2.0, 1000)]
        ),
    )
    yield (
        "bernoulli_rate",
        np.concatenate([rng.binomial(1, 0.2, 1500), rng.binomial(1, 0.6, 1500)]).astype(np.float64),
    )
    yield "ramp", rng.normal(0.0, 1.0, 3000) + np.linspace(0.0, 3.0, 3000)
    yield "heavy_tails", rng.standard_t(2.0, 3000)
    yield "stationary", rng.normal(5.0, 1.0, 3000)


def river_detections(values: npt.NDArray[np.float64], **parameters: Any) -> list[int]:
    river = RiverAdwin(**parameters)
    found = []
    for index, value in enumerate(values.tolist()):
        river.update(value)
        if river.drift_detected:
            found.append(index)
    return found


@pytest.mark.parametrize("parameters", PARAMETERS, ids=["defaults", "eager", "coarse", "tiny"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_detects_at_the_same_indices_as_river(parameters: dict[str, Any], seed: int) -> None:
    total = 0
    for shape, values in shapes(seed):
        expected = river_detections(values, **parameters)
        looped = AdwinDriftDetector("v", **parameters)
        found = []
        for index, value in enumerate(values.tolist()):
            if looped.score_one({"v": value}).value == 1.0:
                found.append(index)
            looped.learn_one({"v": value})
        batched = AdwinDriftDetector("v", **parameters).process_many(
            [{"v": value} for value in values.tolist()]
        )
        assert found == expected, shape
        assert [i for i, score in enumerate(batched) if score.value == 1.0] == expected, shape
        total += len(expected)
    assert total > 0, "the streams must contain drifts for the comparison to mean anything"


@pytest.mark.parametrize("parameters", PARAMETERS, ids=["defaults", "eager", "coarse", "tiny"])
def test_window_statistics_match_river_bit_for_bit(parameters: dict[str, Any]) -> None:
    _, values = next(shapes(seed=3))
    river = RiverAdwin(**parameters)
    ours = AdwinDriftDetector("v", **parameters)
    for value in values.tolist():
        river.update(value)
        ours.learn_one({"v": value})
        if not river.drift_detected:  # after a detection river reports the cut window
            assert ours.width == river.width
            assert ours.estimation == river.estimation


def test_score_is_one_only_at_detections_and_holds_between_tests() -> None:
    values = np.random.default_rng(4).normal(0.0, 1.0, 20_000)
    scores = AdwinDriftDetector("v").process_many([{"v": v} for v in values.tolist()])
    levels = np.array([score.value for score in scores])
    assert levels.max() < 0.5, "stationary noise stays well short of a detection"
    assert np.median(levels) == 0.0
    changes = np.flatnonzero(np.diff(levels)) + 1
    assert changes.size > 0
    assert all(index % 32 == 31 for index in changes), "the score moves only at a test"


@pytest.mark.parametrize("seed", range(6))
def test_score_s_means_adwin_at_delta_to_the_s_would_fire(seed: int) -> None:
    # 32 points: one change test, at the last point; a shift halfway through.
    rng = np.random.default_rng(seed)
    values = np.concatenate([rng.normal(0.0, 1.0, 16), rng.normal(2.5, 1.0, 16)]).tolist()
    s = AdwinDriftDetector("v").process_many([{"v": v} for v in values])[-1].value
    assert 0.05 < s < 0.95, "the stream should give partial evidence"
    assert river_detections(np.array(values), delta=0.002 ** (s * 0.999)) == [31]
    assert river_detections(np.array(values), delta=0.002 ** (s * 1.001)) == []


def test_warms_up_until_a_test_and_again_after_a_detection() -> None:
    detector = AdwinDriftDetector("v", clock=32)
    values = np.concatenate([np.zeros(320), np.full(200, 10.0)]).tolist()
    scores = detector.process_many([{"v": v} for v in values])
    assert all(score.warming_up for score in scores[:31])
    assert not any(score.warming_up for score in scores[31:320])
    detection = next(i for i, score in enumerate(scores) if score.value == 1.0)
    assert 320 <= detection < 352
    assert not scores[detection].warming_up
    after = scores[detection + 1 : detection + 32]
    assert all(score.warming_up and score.value == 0.0 for score in after)
    assert not scores[detection + 32].warming_up


def test_restored_right_after_a_detection_restarts_like_river() -> None:
    values = np.concatenate([np.zeros(320), np.full(400, 10.0), np.full(400, -5.0)]).tolist()
    original = AdwinDriftDetector("v")
    first = original.process_many([{"v": v} for v in values[:352]])
    assert first[-1].value == 1.0, "the detection is the last point learnt"
    restored = AdwinDriftDetector.from_state(original.to_state())
    assert restored.warming_up
    rest = [{"v": v} for v in values[352:]]
    scores = restored.process_many(rest)
    assert scores == original.process_many(rest)
    found = [352 + i for i, score in enumerate(scores) if score.value == 1.0]
    assert found == [i for i in river_detections(np.array(values)) if i >= 352]
    assert found, "the second shift is detected too"


@pytest.mark.parametrize(
    "parameters",
    [
        {"delta": 0.0},
        {"delta": 1.0},
        {"clock": 0},
        {"max_buckets": 0},
        {"min_window_length": 0},
        {"grace_period": -1},
    ],
)
def test_refuses_parameters_river_would_misbehave_with(parameters: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        AdwinDriftDetector("v", **parameters)
