"""Half-Space Trees: river's scores on river's trees, warm-up, batches, state, and the bank."""

from __future__ import annotations

import copy
import random
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from river.anomaly import HalfSpaceTrees
from river.tree.padded import PaddedBranch

from dexwatch.detectors.base import Detector, Score
from dexwatch.detectors.half_space_trees import (
    HalfSpaceTreesBank,
    HalfSpaceTreesDetector,
    Trees,
    mass_dtype,
    process_rows,
    shared_trees,
)
from dexwatch.detectors.state_codec import decode_state, encode_state
from dexwatch.schemas.errors import DetectorInputError, StateFormatError

NAMES = ("volume", "fees", "tvl")  # deliberately unsorted: river sorts them, so do we


def _river_trees(model: Any, names: Sequence[str]) -> Trees:
    """River's trees (built by its first `learn_one`) as heap-ordered split arrays."""
    index = {name: position for position, name in enumerate(sorted(names))}
    n_internal = (1 << model.height) - 1
    feature = np.zeros((model.n_trees, n_internal), dtype=np.int64)
    threshold = np.zeros((model.n_trees, n_internal), dtype=np.float64)
    for tree, root in enumerate(model.trees):
        stack = [(root, 0)]
        while stack:
            node, heap = stack.pop()
            if isinstance(node, PaddedBranch):
                feature[tree, heap] = index[node.feature]
                threshold[tree, heap] = node.threshold
                stack += [(node.children[0], 2 * heap + 1), (node.children[1], 2 * heap + 2)]
    return Trees.from_arrays(feature, threshold)


def _river_masses(model: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """River's reference and latest masses of every node, heap order, per tree."""
    n_nodes = (2 << model.height) - 1
    reference = np.zeros((model.n_trees, n_nodes), dtype=np.int64)
    latest = np.zeros((model.n_trees, n_nodes), dtype=np.int64)
    for tree, root in enumerate(model.trees):
        stack = [(root, 0)]
        while stack:
            node, heap = stack.pop()
            reference[tree, heap], latest[tree, heap] = node.r_mass, node.l_mass
            if isinstance(node, PaddedBranch):
                stack += [(node.children[0], 2 * heap + 1), (node.children[1], 2 * heap + 2)]
    return reference, latest


def _expand(masses: npt.NDArray[Any], height: int) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Our compact masses as every node's reference and latest mass (heap order)."""
    n_trees, n_internal = masses.shape[1], (1 << height) - 1
    reference = np.zeros((n_trees, 2 * n_internal + 1), dtype=np.int64)
    latest = np.zeros_like(reference)
    latest[:, n_internal:] = masses[1]
    reference[:, 0] = masses[0, :, 0]
    for node in range(n_internal):
        left = masses[0, :, node + 1].astype(np.int64)
        reference[:, 2 * node + 1] = left
        reference[:, 2 * node + 2] = reference[:, node] - left
    for node in range(n_internal - 1, -1, -1):
        latest[:, node] = latest[:, 2 * node + 1] + latest[:, 2 * node + 2]
    return reference, latest


def _stream(n: int, seed: int, n_features: int = 3) -> npt.NDArray[np.float64]:
    """Clustered points in [0, 1], a regime change, and outliers both inside and outside."""
    rng = np.random.default_rng(seed)
    points = rng.beta(2.0, 5.0, size=(n, n_features))
    points[n // 2 :] = 1.0 - points[n // 2 :]
    outliers = rng.choice(n, size=n // 50, replace=False)
    points[outliers] = rng.uniform(-0.3, 1.3, size=(len(outliers), n_features))
    return points


def _points(n: int, seed: int) -> list[dict[str, float]]:
    """DEX-like raw measures (not scaled): a level, noise, a spike now and then."""
    rng = random.Random(seed)
    out = []
    for step in range(n):
        volume = 5e5 * (1 + 0.4 * np.sin(step / 20)) * rng.lognormvariate(0, 0.15)
        if step % 173 == 172:
            volume *= 15
        out.append({"volume": volume, "fees": volume * 0.003, "tvl": 1e7 + 1e4 * rng.gauss(0, 1)})
    return out


@pytest.mark.parametrize(
    ("n_features", "n_trees", "height", "seed"),
    [(1, 3, 1, 0), (3, 10, 8, 42), (5, 4, 6, 7), (2, 2, 10, 12345)],
)
def test_shared_trees_are_the_trees_river_builds(
    n_features: int, n_trees: int, height: int, seed: int
) -> None:
    names = [f"f{index}" for index in range(n_features)][::-1]
    model: Any = HalfSpaceTrees(n_trees=n_trees, height=height, seed=seed)
    model.learn_one(dict.fromkeys(names, 0.5))
    river = _river_trees(model, names)
    ours = shared_trees(n_features, n_trees, height, seed)
    assert np.array_equal(ours.feature, river.feature)
    assert np.array_equal(ours.threshold, river.threshold)
    assert ours.digest == river.digest
    assert shared_trees(n_features, n_trees, height, seed) is ours, "one forest per key"
    assert not ours.feature.flags.writeable, "shared trees are read-only"


@pytest.mark.parametrize(
    ("n_trees", "height", "window_size", "seed"),
    [(10, 8, 50, 42), (5, 6, 37, 3), (3, 3, 300, 9), (4, 10, 20, 1)],
)
def test_scores_equal_river_on_rivers_own_trees(
    n_trees: int, height: int, window_size: int, seed: int
) -> None:
    """River's trees converted to arrays score every point as river does, rollovers included."""
    model: Any = HalfSpaceTrees(n_trees=n_trees, height=height, window_size=window_size, seed=seed)
    columns = sorted(NAMES)
    points = _stream(3000, seed)
    first = dict(zip(columns, points[0].tolist(), strict=True))
    model.learn_one(first)  # builds river's trees
    trees = _river_trees(model, NAMES)
    masses = trees.empty_masses(window_size)
    assert masses.dtype == (np.uint8 if window_size <= 255 else np.uint16)
    clock = np.array([0, 1], dtype=np.int64)  # river's counter and _first_window
    process_rows(trees, masses, clock, points[:1], window_size=window_size, score=False)
    river_scores, our_scores = [], []
    for index in range(1, len(points)):
        x = dict(zip(columns, points[index].tolist(), strict=True))
        river_scores.append(float(model.score_one(x)))
        model.learn_one(x)
        row = points[index : index + 1]
        our_scores.append(
            float(process_rows(trees, masses, clock, row, window_size=window_size)[0])
        )
        if index % 997 == 0:  # and the masses themselves, mid-window
            assert np.array_equal(_expand(masses, height)[0], _river_masses(model)[0])
    assert len(river_scores) // window_size >= 9, "many window rollovers"
    assert river_scores[: window_size - 1] == [0.0] * (window_size - 1), "river's first window"
    np.testing.assert_allclose(our_scores, river_scores, rtol=0, atol=1e-12)
    assert our_scores == river_scores, "in fact bit for bit"
    reference, latest = _expand(masses, height)
    river_reference, river_latest = _river_masses(model)
    assert np.array_equal(reference, river_reference)
    assert np.array_equal(latest, river_latest)
    assert (clock[0], bool(clock[1])) == (model.counter, model._first_window)


def test_process_rows_in_one_call_equals_point_by_point() -> None:
    trees = shared_trees(3, 10, 8, 42)
    points = _stream(2000, 5)
    one = trees.empty_masses(64), np.array([0, 1], dtype=np.int64)
    many = trees.empty_masses(64), np.array([0, 1], dtype=np.int64)
    singles = [process_rows(trees, *one, points[i : i + 1], window_size=64)[0] for i in range(2000)]
    batch = process_rows(trees, *many, points, window_size=64)
    assert batch.tolist() == singles
    assert np.array_equal(one[0], many[0])
    assert np.array_equal(one[1], many[1])


def _scaled_box(
    points: Sequence[dict[str, float]], margin: float
) -> dict[str, tuple[float, float]]:
    """The documented warm-up box, computed independently of the detector."""
    box = {}
    for name in sorted(points[0]):
        values = [point[name] for point in points]
        low, high = min(values), max(values)
        pad = margin * (high - low) or max(abs(high) * 0.1, 1.0)
        box[name] = (low - pad, high + pad)
    return box


def test_detector_equals_river_on_points_scaled_into_the_warmup_box() -> None:
    detector = HalfSpaceTreesDetector(n_trees=10, height=8, window_size=60, warmup=150, seed=3)
    model: Any = HalfSpaceTrees(n_trees=10, height=8, window_size=60, seed=3)
    points = _points(1500, seed=11)
    box = _scaled_box(points[:150], margin=0.5)

    def scaled(point: dict[str, float]) -> dict[Hashable, float]:
        return {
            name: (value - box[name][0]) / (box[name][1] - box[name][0])
            for name, value in point.items()
        }

    for point in points[:150]:
        assert detector.score_one(point) == Score(0.0, warming_up=True)
        detector.learn_one(point)
        model.learn_one(scaled(point))
    assert not detector.warming_up
    for point in points[150:]:
        ours = detector.score_one(point)
        assert not ours.warming_up
        assert abs(ours.value - model.score_one(scaled(point))) <= 1e-12
        detector.learn_one(point)
        model.learn_one(scaled(point))


def test_warm_up_fixes_the_box_then_scores_at_once() -> None:
    detector = HalfSpaceTreesDetector(window_size=20, warmup=30)
    assert detector.warming_up
    assert detector.score_one({"a": 1.0}) == Score(0.0, warming_up=True), "before any learning"
    for step in range(30):
        assert detector.warming_up
        detector.learn_one({"a": float(step % 5), "b": 7.0})  # b is constant
    assert not detector.warming_up
    assert detector.feature_names == ("a", "b")
    assert detector._box is not None
    # [low, high] per feature: a is 0..4, padded by 0.5 x 4; b is constant, padded by 1
    assert detector._box.tolist() == [[-2.0, 6.0], [6.0, 8.0]]
    normal, odd = (
        detector.score_one({"a": 2.0, "b": 7.0}),
        detector.score_one({"a": 40.0, "b": 0.0}),
    )
    assert not normal.warming_up
    assert 0.0 < normal.value < odd.value <= 1.0


def test_warmup_shorter_than_a_window_is_refused() -> None:
    with pytest.raises(ValueError, match="warmup"):
        HalfSpaceTreesDetector(window_size=100, warmup=50)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_trees": 0},
        {"height": 0},
        {"height": 17},
        {"window_size": 0},
        {"limit_margin": -1.0},
        {"limit_margin": float("nan")},
        {"seed": None},
        {"window_size": 2**33, "warmup": 2**33},
    ],
)
def test_invalid_parameters(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"must|larger"):
        HalfSpaceTreesDetector(**kwargs)


def test_masses_are_uint8_up_to_a_window_of_255_then_uint16() -> None:
    assert mass_dtype(255) == np.uint8
    assert mass_dtype(256) == np.uint16
    assert mass_dtype(65_535) == np.uint16
    assert mass_dtype(65_536) == np.uint32
    for window, dtype in ((255, np.uint8), (256, np.uint16)):
        detector = HalfSpaceTreesDetector(n_trees=2, height=4, window_size=window, warmup=window)
        detector.process_many(_points(window + 10, seed=1))
        assert detector._masses is not None
        assert detector._masses.dtype == dtype
        state = decode_state(detector.to_state())
        assert state.array("masses").dtype == dtype


def test_a_full_window_fits_in_uint8() -> None:
    # Every point of a window in one leaf: the masses reach window_size exactly.
    detector = HalfSpaceTreesDetector(n_trees=3, height=5, window_size=255, warmup=255)
    detector.process_many([{"a": float(step % 2)} for step in range(255)])
    detector.process_many([{"a": 0.0}] * 255)
    assert detector._masses is not None
    assert int(detector._masses[0, :, 0].max()) == 255
    assert detector.score_one({"a": 0.0}).value < detector.score_one({"a": 1.0}).value


def test_process_many_equals_the_loop_across_the_warm_up() -> None:
    points = _points(700, seed=4)
    loop = HalfSpaceTreesDetector(window_size=50, warmup=120)
    expected = []
    for point in points:
        expected.append(loop.score_one(point))
        loop.learn_one(point)
    for chunks in ([700], [1, 118, 1, 580], [119, 2, 0, 579], [60] * 11 + [40]):
        batched = loop.clone()
        scores: list[Score] = []
        start = 0
        for size in chunks:
            scores += batched.process_many(points[start : start + size])
            start += size
        assert scores == expected
        assert batched.to_state() == loop.to_state()


def test_ints_and_numpy_floats_are_numbers_too() -> None:
    points = _points(300, seed=2)
    mixed = [
        {"volume": np.float64(p["volume"]), "fees": p["fees"], "tvl": int(p["tvl"])} for p in points
    ]
    plain = [
        {"volume": p["volume"], "fees": p["fees"], "tvl": float(int(p["tvl"]))} for p in points
    ]
    assert HalfSpaceTreesDetector().process_many(mixed) == HalfSpaceTreesDetector().process_many(
        plain
    )


BAD_POINTS: list[tuple[dict[str, Any], str]] = [
    ({"volume": float("nan"), "fees": 1.0, "tvl": 1.0}, "only finite numbers"),
    ({"volume": float("inf"), "fees": 1.0, "tvl": 1.0}, "only finite numbers"),
    ({"volume": 1.0, "fees": 1.0}, r"missing \['tvl'\]"),
    ({"volume": 1.0, "fees": 1.0, "tvl": 1.0, "extra": 1.0}, r"unexpected \['extra'\]"),
    ({"volume": "1.0", "fees": 1.0, "tvl": 1.0}, "is str, not a number"),
    ({"volume": True, "fees": 1.0, "tvl": 1.0}, "is bool, not a number"),
]


@pytest.mark.parametrize("warm", [False, True])
@pytest.mark.parametrize(("point", "message"), BAD_POINTS)
def test_bad_points_are_refused(point: dict[str, Any], message: str, warm: bool) -> None:
    detector = HalfSpaceTreesDetector()
    detector.process_many(_points(150 if warm else 10, seed=3))
    before = detector.to_state()
    with pytest.raises(DetectorInputError, match=message):
        detector.score_one(point)
    with pytest.raises(DetectorInputError, match=message):
        detector.learn_one(point)
    assert detector.to_state() == before, "a refused point is not learnt"


def test_process_many_processes_up_to_a_refused_point_then_raises() -> None:
    points = _points(200, seed=5)
    bad = {"volume": float("nan"), "fees": 1.0, "tvl": 1.0}
    batched, loop = HalfSpaceTreesDetector(), HalfSpaceTreesDetector()
    with pytest.raises(DetectorInputError, match="only finite"):
        batched.process_many([*points[:150], bad, *points[150:]])
    loop.process_many(points[:150])
    assert batched.to_state() == loop.to_state()


def test_an_empty_point_or_batch() -> None:
    detector = HalfSpaceTreesDetector()
    assert detector.process_many([]) == []
    with pytest.raises(DetectorInputError, match="at least one feature"):
        detector.learn_one({})
    with pytest.raises(DetectorInputError, match="at least one feature"):
        detector.process_many([{}])
    assert detector.feature_names is None


def test_contract_and_clone_independence() -> None:
    detector = HalfSpaceTreesDetector(n_trees=4, height=6, window_size=40, warmup=40, seed=9)
    assert isinstance(detector, Detector)
    detector.process_many(_points(100, seed=1))
    fresh = detector.clone()
    assert fresh.warming_up
    assert fresh._params() == detector._params()
    fresh.process_many(_points(100, seed=2))
    assert detector.process_many(_points(5, seed=3)) != fresh.process_many(_points(5, seed=3))


@pytest.mark.parametrize("seen", [0, 1, 99, 100, 101, 1234])
def test_state_round_trip_gives_identical_next_scores(seen: int) -> None:
    points = _points(seen + 400, seed=8)
    detector = HalfSpaceTreesDetector()
    detector.process_many(points[:seen])
    restored = HalfSpaceTreesDetector.from_state(detector.to_state())
    assert restored.warming_up == detector.warming_up
    assert restored.feature_names == detector.feature_names
    assert restored.process_many(points[seen:]) == detector.process_many(points[seen:])
    assert restored.to_state() == detector.to_state()


def test_state_of_a_warmed_up_series_is_small() -> None:
    detector = HalfSpaceTreesDetector(window_size=250, warmup=250)  # height 8, 10 trees
    detector.process_many(_points(1000, seed=6))
    state = detector.to_state()
    assert len(state) <= 6 * 1024
    decoded = decode_state(state, expected_kind="half_space_trees")
    assert decoded.array("masses").nbytes == 2 * 10 * 256  # uint8, leaves + compact reference
    assert decoded.params == detector._params()


def test_restored_detectors_share_the_forest() -> None:
    detector = HalfSpaceTreesDetector()
    detector.process_many(_points(150, seed=1))
    restored = HalfSpaceTreesDetector.from_state(detector.to_state())
    assert restored._trees is detector._trees
    assert copy.deepcopy(detector)._trees is detector._trees


def _tampered(
    detector: HalfSpaceTreesDetector,
    *,
    params: dict[str, Any] | None = None,
    scalars: dict[str, Any] | None = None,
    arrays: dict[str, Any] | None = None,
    layout: int = 1,
) -> bytes:
    state = decode_state(detector.to_state())
    return encode_state(
        "half_space_trees",
        {**state.params, **(params or {})},
        {**state.arrays, **(arrays or {})},
        {**state.scalars, **(scalars or {})},
        layout=layout,
    )


def test_bad_states_are_refused() -> None:
    detector = HalfSpaceTreesDetector()
    detector.process_many(_points(150, seed=1))
    warming = HalfSpaceTreesDetector()
    warming.process_many(_points(10, seed=1))
    cases = [
        (_tampered(detector, layout=2), "layout 2 is not 1"),
        (_tampered(detector, params={"height": 99}), "invalid params: height"),
        (_tampered(detector, params={"colour": "red"}), "invalid params: .*colour"),
        (_tampered(detector, scalars={"trees": 12345}), "other trees than this seed builds"),
        (_tampered(detector, scalars={"features": ("z", "a")}), "unsorted or repeated"),
        (_tampered(detector, scalars={"counter": 100}), "counter 100"),
        (_tampered(detector, arrays={"masses": np.zeros((2, 10, 256), np.uint16)}), "uint16"),
        (_tampered(detector, arrays={"box": np.zeros((2, 2))}), r"shape \(2, 2\)"),
        (_tampered(warming, arrays={"warmup_points": np.zeros((100, 3))}), "warm-up points"),
        (_tampered(warming, arrays={"warmup_points": np.zeros((5, 2))}), "warm-up points"),
    ]
    for data, message in cases:
        with pytest.raises(StateFormatError, match=message):
            HalfSpaceTreesDetector.from_state(data)


def test_state_of_another_kind_is_refused() -> None:
    from dexwatch.detectors.state_codec import register_kind

    register_kind("hst_test_other", dict)
    with pytest.raises(StateFormatError, match="not 'half_space_trees' state"):
        HalfSpaceTreesDetector.from_state(encode_state("hst_test_other", {}))


# The bank: many series in one set of arrays.


def _interleaved(
    n_series: int, per_series: int, seed: int
) -> tuple[list[int], list[dict[str, float]]]:
    series = [index for index in range(n_series) for _ in range(per_series)]
    random.Random(seed).shuffle(series)
    streams = [iter(_points(per_series, seed=seed + index)) for index in range(n_series)]
    return series, [next(streams[index]) for index in series]


def test_bank_scores_equal_each_series_own_detector() -> None:
    params: dict[str, Any] = {"n_trees": 6, "height": 7, "window_size": 40, "warmup": 60}
    series, points = _interleaved(n_series=7, per_series=300, seed=21)
    bank = HalfSpaceTreesBank(sorted(NAMES), capacity=2, **params)
    detectors = [HalfSpaceTreesDetector(**params) for _ in range(7)]
    for _ in range(7):
        bank.add()
    assert len(bank) == 7
    expected = [
        detectors[index].process_many([point])[0]
        for index, point in zip(series, points, strict=True)
    ]
    names = sorted(NAMES)
    X = np.array([[point[name] for name in names] for point in points])
    index_array = np.array(series)
    got: list[float] = []
    for start in range(0, len(series), 97):  # batches that cross every series' warm-up
        got += bank.process(index_array[start : start + 97], X[start : start + 97]).tolist()
    for score, mine in zip(expected, got, strict=True):
        if score.warming_up:
            assert np.isnan(mine)
        else:
            assert mine == score.value
    for index in range(7):
        assert not bank.warming_up(index)
        assert bank.detector(index).to_state() == detectors[index].to_state()


def test_bank_adopts_and_exports_detectors() -> None:
    params: dict[str, Any] = {"n_trees": 4, "height": 6, "window_size": 30, "warmup": 30}
    warm, cold = HalfSpaceTreesDetector(**params), HalfSpaceTreesDetector(**params)
    warm.process_many(_points(100, seed=1))
    cold.process_many(_points(10, seed=1))
    bank = HalfSpaceTreesBank(NAMES, **params)
    first, second = bank.add(warm), bank.add(cold)
    assert not bank.warming_up(first)
    assert bank.warming_up(second)
    assert bank.detector(second).to_state() == cold.to_state()
    nxt = _points(50, seed=2)
    X = np.array([[point[name] for name in sorted(NAMES)] for point in nxt])
    scores = bank.process(np.zeros(50, dtype=np.int64), X)
    assert scores.tolist() == [score.value for score in warm.process_many(nxt)]
    with pytest.raises(ValueError, match="parameters differ"):
        bank.add(HalfSpaceTreesDetector())
    with pytest.raises(IndexError):
        bank.detector(5)


def test_bank_refuses_bad_input() -> None:
    bank = HalfSpaceTreesBank(["a", "b"])
    bank.add()
    with pytest.raises(DetectorInputError, match="series indexes"):
        bank.process(np.array([1]), np.zeros((1, 2)))
    with pytest.raises(DetectorInputError, match="shape"):
        bank.process(np.array([0]), np.zeros((1, 3)))
    with pytest.raises(DetectorInputError, match="finite"):
        bank.process(np.array([0]), np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="distinct"):
        HalfSpaceTreesBank(["a", "a"])
