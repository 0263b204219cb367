"""The contract battery: the same checks on every detector in `detectors.registry`.

Each detector is built from its registry example and fed a one-measure stream named `value`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from dexwatch.detectors.base import Detector, DetectorBase, Features, Score
from dexwatch.detectors.registry import DETECTORS, DetectorEntry
from dexwatch.detectors.state_codec import MAGIC
from dexwatch.schemas.errors import DetectorInputError

# What each detector is for, i.e. which labelled stream it must beat chance on.
PURPOSE = {
    "series_model": "spikes",
    "half_space_trees": "spikes",
    "adwin": "drift",
    "page_hinkley": "drift",
    "iqr": "spikes",
    "quantile_band": "spikes",
    "persistence": "persistence",
    "threshold": "spikes",
}
# Detectors that can judge a point before learning any (the others must say they warm up).
NO_WARMUP = {"threshold"}

DRIFT_EVERY = 800  # points between injected level shifts
DRIFT_DELAY = 200  # a detection this soon after a shift counts as catching it


def _entries() -> list[object]:
    return [pytest.param(entry, id=name) for name, entry in DETECTORS.items()]


def points(values: npt.NDArray[np.float64] | Sequence[float]) -> list[Features]:
    return [{"value": float(value)} for value in values]


def noise(seed: int, n: int) -> npt.NDArray[np.float64]:
    return np.random.default_rng(seed).normal(0.0, 1.0, n)


def spike_stream(seed: int, n: int = 3000) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Unit noise with 1% spikes of 5 to 8 sd either way, none in the first 300 points."""
    rng = np.random.default_rng(seed)
    values = rng.normal(0.0, 1.0, n)
    labels = np.zeros(n, dtype=bool)
    labels[300:] = rng.random(n - 300) < 0.01
    values[labels] += rng.choice([-1.0, 1.0], labels.sum()) * rng.uniform(5.0, 8.0, labels.sum())
    return values, labels


def persistence_stream(
    seed: int, n: int = 3000
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Unit noise with stuck stretches of 40 repeats (labelled from the 10th) and jumps."""
    rng = np.random.default_rng(seed)
    values = rng.normal(0.0, 1.0, n)
    labels = np.zeros(n, dtype=bool)
    for start in range(400, n - 100, 300):
        values[start : start + 40] = values[start - 1]
        labels[start + 9 : start + 40] = True
        jump = start + 150
        values[jump] += rng.choice([-1.0, 1.0]) * rng.uniform(6.0, 9.0)
        labels[jump] = True
    return values, labels


def drift_stream(seed: int) -> tuple[npt.NDArray[np.float64], list[int]]:
    """Unit noise whose level shifts by 2 to 3 sd, up or down, every `DRIFT_EVERY` points."""
    rng = np.random.default_rng(seed)
    levels = [0.0]
    for _ in range(5):
        levels.append(levels[-1] + rng.choice([-1.0, 1.0]) * rng.uniform(2.0, 3.0))
    values = np.concatenate([rng.normal(level, 1.0, DRIFT_EVERY) for level in levels])
    return values, [DRIFT_EVERY * i for i in range(1, len(levels))]


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve by the rank-sum formula, ties given their average rank."""
    score_array = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    _, inverse, counts = np.unique(score_array, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts  # values strictly lower than each distinct value
    ranks = (below + (counts + 1) / 2.0)[inverse]  # 1-based average ranks
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def loop(detector: Detector, xs: Sequence[Features]) -> list[Score]:
    scores = []
    for x in xs:
        scores.append(detector.score_one(x))
        detector.learn_one(x)
    return scores


def trained(entry: DetectorEntry, n: int = 1500, seed: int = 0) -> DetectorBase:
    detector = entry.build()
    detector.process_many(points(noise(seed, n)))
    return detector


def test_every_registered_detector_has_a_purpose() -> None:
    assert set(PURPOSE) == set(DETECTORS)


@pytest.mark.parametrize(
    ("scores", "labels", "auc"),
    [
        ([0.1, 0.2, 0.8, 0.9], [False, False, True, True], 1.0),
        ([0.9, 0.8, 0.2, 0.1], [False, False, True, True], 0.0),
        ([0.5, 0.5, 0.5, 0.5], [False, True, False, True], 0.5),
        # positives ranked 2 and 3.5 (tied with a negative): (2 + 3.5 - 3) / (2 * 2)
        ([0.0, 0.1, 0.7, 0.7], [False, True, False, True], 0.625),
    ],
)
def test_roc_auc_pins_the_rank_formula(scores: list[float], labels: list[bool], auc: float) -> None:
    assert roc_auc(scores, labels) == pytest.approx(auc)


@pytest.mark.parametrize("entry", _entries())
def test_state_round_trip_gives_identical_next_scores(entry: DetectorEntry) -> None:
    values, _ = spike_stream(seed=1)
    original = entry.build()
    original.process_many(points(values[:1500]))
    restored = type(original).from_state(original.to_state())
    assert restored.to_state() == original.to_state()
    assert restored.warming_up == original.warming_up
    rest = points(values[1500:2000])
    assert loop(restored, rest) == loop(original, rest)
    assert restored.to_state() == original.to_state()


@pytest.mark.parametrize("entry", _entries())
def test_state_is_versioned_bytes_not_pickle(entry: DetectorEntry) -> None:
    for detector in (entry.build(), trained(entry)):
        state = detector.to_state()
        assert isinstance(state, bytes)
        assert not state.startswith(b"\x80"), "state must never be a pickle"
        assert state.startswith(MAGIC)


@pytest.mark.parametrize("entry", _entries())
def test_clone_is_untrained_and_independent(entry: DetectorEntry) -> None:
    original = trained(entry)
    clone = original.clone()
    assert type(clone) is type(original)
    assert clone.to_state() == entry.build().to_state(), "a clone starts untrained"
    before = original.to_state()
    clone.process_many(points(noise(seed=2, n=700)))
    assert original.to_state() == before, "learning on the clone changed the original"
    clone_state = clone.to_state()
    original.process_many(points(noise(seed=3, n=700)))
    assert clone.to_state() == clone_state, "learning on the original changed the clone"


@pytest.mark.parametrize("entry", _entries())
def test_scoring_before_learning(entry: DetectorEntry) -> None:
    detector = entry.build()
    score = detector.score_one({"value": 0.5})
    assert 0.0 <= score.value <= 1.0
    expect_warmup = entry.name not in NO_WARMUP
    assert detector.warming_up is expect_warmup
    assert score.warming_up is expect_warmup


@pytest.mark.parametrize("entry", _entries())
@pytest.mark.parametrize(
    ("x", "named"),
    [({}, "value"), ({"value": 1.0, "volume": 2.0}, "volume"), ({"other": 1.0}, "other")],
    ids=["missing", "extra", "renamed"],
)
def test_missing_or_extra_features_are_refused(
    entry: DetectorEntry, x: dict[str, float], named: str
) -> None:
    detector = trained(entry, n=400)
    before = detector.to_state()
    with pytest.raises(DetectorInputError, match=named):
        detector.score_one(x)
    with pytest.raises(DetectorInputError, match=named):
        detector.learn_one(x)
    with pytest.raises(DetectorInputError, match=named):
        detector.process_many([x])
    assert detector.to_state() == before


@pytest.mark.parametrize("entry", _entries())
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_values_are_refused_clearly(entry: DetectorEntry, bad: float) -> None:
    for detector in (entry.build(), trained(entry, n=400)):
        before = detector.to_state()
        for method in (detector.score_one, detector.learn_one):
            with pytest.raises(DetectorInputError, match=r"'value' is .*finite"):
                method({"value": bad})
        assert detector.to_state() == before


@pytest.mark.parametrize("entry", _entries())
def test_memory_is_bounded(entry: DetectorEntry) -> None:
    stream = points(noise(seed=4, n=10_000))
    detector = entry.build()
    detector.process_many(stream[:1000])
    after_1k = len(detector.to_state())
    detector.process_many(stream[1000:])
    after_10k = len(detector.to_state())
    assert after_10k <= 1.5 * after_1k, (after_1k, after_10k)


@pytest.mark.parametrize("entry", _entries())
def test_process_many_equals_the_score_then_learn_loop(entry: DetectorEntry) -> None:
    values, _ = spike_stream(seed=5, n=2000)
    stream = points(values)
    batched, looped = entry.build(), entry.build()
    scores = batched.process_many(stream[:700]) + batched.process_many(stream[700:])
    assert scores == loop(looped, stream)
    assert batched.to_state() == looped.to_state()


@pytest.mark.parametrize("entry", _entries())
@pytest.mark.parametrize("seed", [10, 11, 12])
def test_better_than_random_on_a_labelled_stream(entry: DetectorEntry, seed: int) -> None:
    purpose = PURPOSE[entry.name]
    if purpose == "drift":
        values, drifts = drift_stream(seed)
        scores = entry.build().process_many(points(values))
        assert all(0.0 <= score.value <= 1.0 for score in scores)
        detections = [i for i, score in enumerate(scores) if score.value == 1.0]
        for drift in drifts:
            assert any(drift <= i < drift + DRIFT_DELAY for i in detections), (drift, detections)
        false_alarms = [i for i in detections if not any(0 <= i - d < DRIFT_DELAY for d in drifts)]
        assert len(false_alarms) <= 1, false_alarms
        return
    stream = spike_stream if purpose == "spikes" else persistence_stream
    values, labels = stream(seed)
    scores = entry.build().process_many(points(values))
    assert all(0.0 <= score.value <= 1.0 for score in scores)
    judged = [i for i, score in enumerate(scores) if not score.warming_up]
    assert len(judged) > len(scores) * 0.8
    auc = roc_auc([scores[i].value for i in judged], [bool(labels[i]) for i in judged])
    assert auc > 0.6, auc
