"""Half-Space Trees compiled with numba: river's algorithm and scores, in a few KB per series.

River's `HalfSpaceTrees` keeps each tree as linked Python node objects carrying their masses
(about 170 KB pickled). Here a forest is a pair of arrays in heap order (node `i` has children
`2i + 1` and `2i + 2`): the split feature and split value of each internal node of each tree.
They are built exactly as river builds its trees (same random draws, see `shared_trees`) in the
unit box, and each series scales its features into a box fixed at the end of its warm-up, so
every series with the same seed, feature count, tree count and height shares one forest and
owns only its masses:

- the reference masses `r`, stored compactly: `r[t, 0]` is the root's and `r[t, i + 1]` the
  mass of the left child of internal node `i`; a right child's mass is its parent's minus its
  sibling's, so `2**height` numbers per tree hold every node's reference mass;
- the latest masses `l`, kept for leaves only (an internal node's latest mass is the sum of its
  children's); at the end of each window the node masses are summed up from the leaves.

Masses never exceed `window_size`, so they are uint8 up to a window of 255 (uint16 up to
65,535): 2 x 10 trees x 256 = 5,120 bytes per series at height 8. Scores are river's to the
last bit: walk down each tree adding `r * 2**depth`, stop below `0.1 * window_size` or at a
leaf, and return `1 - total / (n_trees * window_size * (2**(height + 1) - 1))`.
"""

from __future__ import annotations

import functools
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Self, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from dexwatch.detectors.base import DetectorBase, Features, Score, check_features
from dexwatch.detectors.state_codec import decode_state, encode_state, register_kind
from dexwatch.schemas.errors import DetectorInputError, StateFormatError

__all__ = [
    "HalfSpaceTreesBank",
    "HalfSpaceTreesDetector",
    "Trees",
    "mass_dtype",
    "process_rows",
    "shared_trees",
]

_F = TypeVar("_F", bound=Callable[..., Any])

# river's `make_padded_tree` keeps each split away from the edges of its node's range.
_PADDING: Final = 0.15
_LAYOUT: Final = 1
_MAX_HEIGHT: Final = 16

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Masses = npt.NDArray[np.unsignedinteger[Any]]


def _compiled(function: _F) -> _F:
    """`numba.njit(cache=True)`, typed so that mypy sees the Python function's signature."""
    return cast(_F, numba.njit(cache=True, nogil=True)(function))


def mass_dtype(window_size: int) -> np.dtype[np.unsignedinteger[Any]]:
    """The smallest unsigned dtype that holds a mass: masses never exceed `window_size`."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if window_size <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    raise ValueError(f"window_size {window_size} is larger than 2**32 - 1")


@dataclass(frozen=True, eq=False)
class Trees:
    """A forest in heap order: `feature[t, i]` and `threshold[t, i]` split internal node `i`.

    Read-only and shared between series (a deep copy returns the same object). `digest`
    fingerprints the splits; saved states carry it, so a state is never restored onto other
    trees.
    """

    feature: Ints
    threshold: Floats

    @classmethod
    def from_arrays(cls, feature: npt.ArrayLike, threshold: npt.ArrayLike) -> Trees:
        """Trees from any split arrays of shape (n_trees, 2**height - 1), e.g. river's."""
        features = np.array(feature, dtype=np.int64, order="C")
        thresholds = np.array(threshold, dtype=np.float64, order="C")
        if features.ndim != 2 or features.shape != thresholds.shape:
            raise ValueError("feature and threshold must both have shape (n_trees, n_internal)")
        n_internal = features.shape[1]
        if n_internal < 1 or (n_internal + 1) & n_internal:
            raise ValueError(f"{n_internal} internal nodes is not 2**height - 1")
        if (features < 0).any():
            raise ValueError("feature indexes must not be negative")
        features.flags.writeable = False
        thresholds.flags.writeable = False
        return cls(features, thresholds)

    @functools.cached_property
    def n_trees(self) -> int:
        return int(self.feature.shape[0])

    @functools.cached_property
    def height(self) -> int:
        return int(self.feature.shape[1]).bit_length()

    @functools.cached_property
    def n_features_used(self) -> int:
        """One more than the largest feature index: points need at least this many columns."""
        return int(self.feature.max()) + 1

    @functools.cached_property
    def digest(self) -> int:
        features, thresholds = self.feature.astype("<i8"), self.threshold.astype("<f8")
        return zlib.crc32(thresholds.tobytes(), zlib.crc32(features.tobytes()))

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

    def empty_masses(self, window_size: int) -> Masses:
        """Zero masses for one series: `[0]` reference (compact), `[1]` latest (leaves)."""
        return np.zeros((2, self.n_trees, 1 << self.height), dtype=mass_dtype(window_size))


@functools.lru_cache(maxsize=64)
def shared_trees(n_features: int, n_trees: int, height: int, seed: int) -> Trees:
    """The forest river's `HalfSpaceTrees(n_trees, height, seed=seed)` builds in the unit box.

    Same draws from `random.Random(seed)` in the same order as river's `make_padded_tree`
    (a feature chosen with weights equal to the widths of the node's current ranges, a split
    uniform within the padded range, the left subtree built before the right), with feature
    `j` standing for the `j`-th feature name in sorted order, as river sorts them.
    """
    if n_features < 1:
        raise ValueError("Half-Space Trees need at least one feature")
    rng = random.Random(seed)
    n_internal = (1 << height) - 1
    feature = np.zeros((n_trees, n_internal), dtype=np.int64)
    threshold = np.zeros((n_trees, n_internal), dtype=np.float64)
    population = list(range(n_features))

    def build(tree: int, node: int, depth: int, limits: list[tuple[float, float]]) -> None:
        if depth == height:
            return
        on = rng.choices(population=population, weights=[b - a for a, b in limits])[0]
        a, b = limits[on]
        at = rng.uniform(a + _PADDING * (b - a), b - _PADDING * (b - a))
        feature[tree, node] = on
        threshold[tree, node] = at
        limits[on] = (a, at)
        build(tree, 2 * node + 1, depth + 1, limits)
        limits[on] = (at, b)
        build(tree, 2 * node + 2, depth + 1, limits)
        limits[on] = (a, b)

    for tree in range(n_trees):
        build(tree, 0, 0, [(0.0, 1.0)] * n_features)
    return Trees.from_arrays(feature, threshold)


@_compiled
def _point(
    x: Floats,
    low: Floats,
    high: Floats,
    feature: Ints,
    threshold: Floats,
    masses: Masses,
    scaled: Floats,
    height: int,
    size_limit: float,
    learn: bool,
    score: bool,
) -> np.int64:
    """Score (river's unnormalised mass score) and/or learn one point over every tree.

    Scoring reads only the reference masses and learning writes only the latest ones, so one
    walk per tree does both, exactly as scoring then learning would.
    """
    for j in range(x.shape[0]):
        scaled[j] = (x[j] - low[j]) / (high[j] - low[j])
    offset = (1 << height) - 1
    total = np.int64(0)
    for t in range(feature.shape[0]):
        node = 0
        mass = np.int64(masses[0, t, 0])
        left = np.int64(0)
        weight = 1
        active = score
        for _ in range(height):
            if active:
                total += mass * weight
                if mass < size_limit:
                    active = False
                    if not learn:
                        break
                else:
                    left = np.int64(masses[0, t, node + 1])
            if scaled[feature[t, node]] < threshold[t, node]:
                node = 2 * node + 1
                mass = left
            else:
                node = 2 * node + 2
                mass = mass - left
            weight *= 2
        if active:
            total += mass * weight
        if learn:
            masses[1, t, node - offset] += 1
    return total


@_compiled
def _pivot(masses: Masses, height: int, sums: Ints) -> None:
    """End of a window: the latest masses become the reference ones, and start again at 0."""
    offset = (1 << height) - 1
    for t in range(masses.shape[1]):
        for j in range(offset + 1):
            sums[offset + j] = masses[1, t, j]
            masses[1, t, j] = 0
        for i in range(offset - 1, -1, -1):
            sums[i] = sums[2 * i + 1] + sums[2 * i + 2]
        masses[0, t, 0] = sums[0]
        for i in range(offset):
            masses[0, t, i + 1] = sums[2 * i + 1]


@_compiled
def _rows_kernel(
    X: Floats,
    low: Floats,
    high: Floats,
    feature: Ints,
    threshold: Floats,
    masses: Masses,
    clock: Ints,
    window_size: int,
    height: int,
    size_limit: float,
    max_score: float,
    learn: bool,
    score: bool,
    out: Floats,
) -> None:
    scaled = np.empty(X.shape[1], dtype=np.float64)
    sums = np.empty((2 << height) - 1, dtype=np.int64)
    for i in range(X.shape[0]):
        scoring = score and clock[1] == 0
        total = _point(
            X[i], low, high, feature, threshold, masses, scaled, height, size_limit, learn, scoring
        )
        if score:
            out[i] = 1.0 - total / max_score if scoring else 0.0
        if learn:
            clock[0] += 1
            if clock[0] == window_size:
                _pivot(masses, height, sums)
                clock[0] = 0
                clock[1] = 0


@_compiled
def _bank_kernel(
    series: Ints,
    X: Floats,
    box: Floats,
    feature: Ints,
    threshold: Floats,
    masses: Masses,
    counters: Ints,
    window_size: int,
    height: int,
    size_limit: float,
    max_score: float,
    out: Floats,
) -> None:
    scaled = np.empty(X.shape[1], dtype=np.float64)
    sums = np.empty((2 << height) - 1, dtype=np.int64)
    for i in range(X.shape[0]):
        s = series[i]
        total = _point(
            X[i],
            box[s, 0],
            box[s, 1],
            feature,
            threshold,
            masses[s],
            scaled,
            height,
            size_limit,
            True,
            True,
        )
        out[i] = 1.0 - total / max_score
        counters[s] += 1
        if counters[s] == window_size:
            _pivot(masses[s], height, sums)
            counters[s] = 0


def process_rows(
    trees: Trees,
    masses: Masses,
    clock: Ints,
    X: Floats,
    *,
    window_size: int,
    box: Floats | None = None,
    learn: bool = True,
    score: bool = True,
) -> Floats:
    """River's `score_one` then `learn_one` for each row of `X`, in order, on one series.

    `masses` (from `Trees.empty_masses`) and `clock` (int64 `[counter, first_window]`, river's
    `counter` and `_first_window`) are updated in place. Rows are scaled by `box` (`[low,
    high]` per feature) first; without a box they must already lie in river's unit box.
    Returns the scores (0.0 during river's first window, as river), empty if `score` is off.
    """
    n_features = trees.n_features_used
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < n_features:
        raise ValueError(f"X must have shape (n, >= {n_features}), not {X.shape}")
    if box is None:
        box = np.array([np.zeros(X.shape[1]), np.ones(X.shape[1])])
    out = np.empty(X.shape[0] if score else 0, dtype=np.float64)
    if X.shape[0]:
        _rows_kernel(
            X,
            box[0],
            box[1],
            trees.feature,
            trees.threshold,
            masses,
            clock,
            window_size,
            trees.height,
            0.1 * window_size,
            float(trees.n_trees * window_size * ((2 << trees.height) - 1)),
            learn,
            score,
            out,
        )
    return out


@functools.lru_cache(maxsize=4096)
def _interned(names: tuple[str, ...]) -> tuple[str, ...]:
    """One shared tuple per feature set, rather than one per series."""
    return names


class HalfSpaceTreesDetector(DetectorBase):
    """Half-Space Trees with an explicit warm-up that fixes the box the trees split.

    River's trees split a fixed box of feature space, [0, 1] unless told otherwise; scaling
    features online (river's `MinMaxScaler`) moves the box under the trees. Here the box is
    fixed from the first `warmup` points, widened by `limit_margin` times their range on each
    side (a constant feature gets `max(0.1 * |value|, 1)`), and those points then fill the
    first reference window, so scoring starts at once. Scores equal river's
    `HalfSpaceTrees(n_trees, height, window_size, seed=seed)` fed the same points scaled into
    that box, to the last bit.
    """

    def __init__(
        self,
        n_trees: int = 10,
        height: int = 8,
        window_size: int = 100,
        warmup: int = 100,
        limit_margin: float = 0.5,
        seed: int = 42,
    ) -> None:
        for name, value, low in (("n_trees", n_trees, 1), ("window_size", window_size, 1)):
            if type(value) is not int or value < low:
                raise ValueError(f"{name} must be an int >= {low}, not {value!r}")
        if type(height) is not int or not 1 <= height <= _MAX_HEIGHT:
            raise ValueError(f"height must be an int in 1..{_MAX_HEIGHT}, not {height!r}")
        if type(warmup) is not int or warmup < window_size:
            raise ValueError(f"warmup ({warmup}) must be at least window_size ({window_size})")
        if not isinstance(limit_margin, int | float) or not limit_margin >= 0:
            raise ValueError(f"limit_margin must be >= 0, not {limit_margin!r}")
        if type(seed) is not int:
            raise ValueError(f"seed must be an int, not {seed!r}")
        mass_dtype(window_size)  # refuses a window whose masses no dtype holds
        self.n_trees = n_trees
        self.height = height
        self.window_size = window_size
        self.warmup = warmup
        self.limit_margin = limit_margin
        self.seed = seed
        self._names: tuple[str, ...] | None = None
        self._buffer: Floats | None = None  # the warm-up points, allocated by the first
        self._buffered = 0
        self._trees: Trees | None = None
        self._box: Floats | None = None  # [low, high] per feature, fixed after the warm-up
        self._masses: Masses | None = None
        self._clock: Ints = np.zeros(2, dtype=np.int64)

    @property
    def warming_up(self) -> bool:
        return self._masses is None

    @property
    def box(self) -> dict[str, tuple[float, float]]:
        """Per feature, the [low, high] the trees split (fixed after the warm-up; empty before)."""
        if self._box is None or self._names is None:
            return {}
        return {
            name: (float(self._box[0, i]), float(self._box[1, i]))
            for i, name in enumerate(self._names)
        }

    @property
    def feature_names(self) -> tuple[str, ...] | None:
        """The features, in the trees' order, fixed by the first point learnt."""
        return self._names

    def score_one(self, x: Features) -> Score:
        check_features(x, self._names)
        if self._masses is None:
            return Score(0.0, warming_up=True)
        row = np.array([[x[name] for name in self._names or ()]], dtype=np.float64)
        return Score(float(self._run(row, learn=False, score=True)[0]), warming_up=False)

    def learn_one(self, x: Features) -> None:
        check_features(x, self._names)
        names = self._fix_names(x)
        if self._masses is None:
            self._keep(np.array([[x[name] for name in names]], dtype=np.float64))
            return
        self._run(np.array([[x[name] for name in names]], dtype=np.float64), True, False)

    def process_many(self, xs: Sequence[Features]) -> list[Score]:
        """Score then learn each point, in one compiled loop once the warm-up is over.

        The same as the loop of `score_one` and `learn_one`, up to its error: if a point is
        refused, the points before it are processed and then its `DetectorInputError` raised.
        """
        rows, error = self._rows(xs)
        warming, values = self.process_array(rows)
        scores = [Score(0.0, warming_up=True)] * warming
        scores += [Score(value, warming_up=False) for value in values.tolist()]
        if error is not None:
            raise error
        return scores

    def process_array(self, X: npt.ArrayLike) -> tuple[int, Floats]:
        """`process_many` on rows already in `feature_names` order (checked for finiteness).

        Returns how many leading rows fell in the warm-up (they have no score) and the scores
        of the rows after them. Needs `feature_names` fixed (a point learnt) when rows remain
        to be scored or learnt.
        """
        rows = np.ascontiguousarray(X, dtype=np.float64)
        if rows.ndim == 2 and rows.shape[0] == 0:
            return 0, np.empty(0, dtype=np.float64)
        if self._names is None or rows.ndim != 2 or rows.shape[1] != len(self._names):
            raise DetectorInputError(
                f"rows must have shape (n, {len(self._names or ())}) in feature order"
            )
        if not np.isfinite(rows).all():
            raise DetectorInputError("rows hold NaN or infinite values: only finite are scored")
        warming = 0
        if self._masses is None:
            warming = self._keep(rows)
            rows = rows[warming:]
        if rows.shape[0] == 0:
            return warming, np.empty(0, dtype=np.float64)
        return warming, self._run(rows, learn=True, score=True)

    def to_state(self) -> bytes:
        scalars: dict[str, Any] = {"counter": int(self._clock[0])}
        arrays: dict[str, npt.NDArray[Any]] = {}
        if self._names is not None:
            scalars["features"] = self._names
            if self._masses is None:
                points = self._buffer[: self._buffered] if self._buffer is not None else None
                arrays["warmup_points"] = (
                    np.empty((0, len(self._names))) if points is None else points
                )
        if self._masses is not None and self._box is not None and self._trees is not None:
            scalars["first_window"] = bool(self._clock[1])
            scalars["trees"] = self._trees.digest
            arrays["box"] = self._box
            arrays["masses"] = self._masses
        return encode_state(_KIND, self._params(), arrays, scalars, layout=_LAYOUT, compress=True)

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        state = decode_state(data, expected_kind=_KIND)
        if state.layout != _LAYOUT:
            raise StateFormatError(f"{_KIND} state layout {state.layout} is not {_LAYOUT}")
        try:
            detector = cls(**state.params)
        except (TypeError, ValueError) as error:
            raise StateFormatError(f"{_KIND} state has invalid params: {error}") from error
        if "features" not in state.scalars:
            return detector
        names = state.names("features")
        if not names or list(names) != sorted(set(names)):
            raise StateFormatError(f"{_KIND} state has unsorted or repeated features {names}")
        detector._names = _interned(names)
        detector._clock[0] = state.scalar("counter", int)
        if "masses" not in state.arrays:
            points = state.array("warmup_points", np.float64)
            if points.ndim != 2 or points.shape[1] != len(names) or len(points) >= detector.warmup:
                raise StateFormatError(f"{_KIND} state has warm-up points of shape {points.shape}")
            detector._keep(points)
            return detector
        trees = shared_trees(len(names), detector.n_trees, detector.height, detector.seed)
        if state.scalar("trees", int) != trees.digest:
            raise StateFormatError(
                f"{_KIND} state was saved with other trees than this seed builds (a different "
                "Python random module?)"
            )
        detector._trees = trees
        detector._box = state.array("box", np.float64, (2, len(names)))
        detector._masses = state.array(
            "masses", mass_dtype(detector.window_size), trees.empty_masses(1).shape
        )
        detector._clock[1] = state.scalar("first_window", bool)
        if not 0 <= detector._clock[0] < detector.window_size:
            raise StateFormatError(f"{_KIND} state has counter {detector._clock[0]}")
        return detector

    def _fix_names(self, x: Features) -> tuple[str, ...]:
        if self._names is None:
            if not x:
                raise DetectorInputError("a point needs at least one feature")
            self._names = _interned(tuple(sorted(x)))
        return self._names

    def _rows(self, xs: Sequence[Features]) -> tuple[Floats, DetectorInputError | None]:
        """The points as a matrix in feature order, up to the first refused one (and why)."""
        if not xs:
            return np.empty((0, len(self._names or ())), dtype=np.float64), None
        names = self._names
        if names is None:
            try:
                check_features(xs[0], None)
                names = self._fix_names(xs[0])
            except DetectorInputError as error:
                return np.empty((0, 0), dtype=np.float64), error
        width = len(names)
        try:
            values = [x[name] for x in xs for name in names]
            fast = all(len(x) == width for x in xs) and set(map(type, values)) <= {float, int}
        except KeyError:
            fast = False
        if fast:
            rows = np.array(values, dtype=np.float64).reshape(len(xs), width)
            if np.isfinite(rows).all():
                return rows, None
        # Slow path: find the first refused point, as the loop would.
        for index, x in enumerate(xs):
            try:
                check_features(x, names)
            except DetectorInputError as error:
                valid = [[float(y[name]) for name in names] for y in xs[:index]]
                return np.array(valid, dtype=np.float64).reshape(index, width), error
        return np.array([[float(x[name]) for name in names] for x in xs], dtype=np.float64), None

    def _keep(self, rows: Floats) -> int:
        """Buffer warm-up rows (as many as the warm-up still needs); returns how many."""
        if self._buffer is None:
            self._buffer = np.empty((self.warmup, rows.shape[1]), dtype=np.float64)
        taken = min(self.warmup - self._buffered, int(rows.shape[0]))
        self._buffer[self._buffered : self._buffered + taken] = rows[:taken]
        self._buffered += taken
        if self._buffered == self.warmup:
            self._end_warmup()
        return taken

    def _end_warmup(self) -> None:
        names = self._names or ()
        points = self._buffer
        assert points is not None
        box = np.empty((2, len(names)), dtype=np.float64)
        for j in range(len(names)):
            low, high = float(points[:, j].min()), float(points[:, j].max())
            # A constant feature still needs a box with some width around it.
            pad = self.limit_margin * (high - low) or max(abs(high) * 0.1, 1.0)
            box[0, j], box[1, j] = low - pad, high + pad
        self._trees = shared_trees(len(names), self.n_trees, self.height, self.seed)
        self._box = box
        self._masses = self._trees.empty_masses(self.window_size)
        self._clock[:] = (0, 1)
        self._buffer, self._buffered = None, 0
        self._run(points, learn=True, score=False)

    def _run(self, rows: Floats, learn: bool, score: bool) -> Floats:
        assert self._trees is not None
        assert self._masses is not None
        assert self._box is not None
        return process_rows(
            self._trees,
            self._masses,
            self._clock,
            rows,
            window_size=self.window_size,
            box=self._box,
            learn=learn,
            score=score,
        )


_KIND: Final = register_kind("half_space_trees", HalfSpaceTreesDetector)


class HalfSpaceTreesBank:
    """The Half-Space Trees of many series in one set of arrays, for the streaming engine.

    Every series has the same features (`feature_names`, sorted; the columns of `X`) and
    parameters, shares one forest, and costs its masses plus its box: no Python object per
    warmed-up series. A series warms up in its own `HalfSpaceTreesDetector` and moves into the
    arrays when its warm-up ends. Scores equal each series' own `HalfSpaceTreesDetector`'s.
    """

    def __init__(
        self,
        feature_names: Sequence[str],
        n_trees: int = 10,
        height: int = 8,
        window_size: int = 100,
        warmup: int = 100,
        limit_margin: float = 0.5,
        seed: int = 42,
        capacity: int = 1024,
    ) -> None:
        names = tuple(sorted(feature_names))
        if not names or len(set(names)) != len(names):
            raise ValueError(f"feature_names must be distinct and not empty, not {names}")
        self.feature_names = names
        self._prototype = HalfSpaceTreesDetector(
            n_trees, height, window_size, warmup, limit_margin, seed
        )
        self._trees = shared_trees(len(names), n_trees, height, seed)
        self._size = 0
        capacity = max(capacity, 1)
        self._box: Floats = np.zeros((capacity, 2, len(names)), dtype=np.float64)
        self._masses: Masses = np.zeros(
            (capacity, *self._trees.empty_masses(window_size).shape), dtype=mass_dtype(window_size)
        )
        self._counters: Ints = np.zeros(capacity, dtype=np.int64)
        self._warming: npt.NDArray[np.bool_] = np.zeros(capacity, dtype=np.bool_)
        self._warmers: dict[int, HalfSpaceTreesDetector] = {}

    def __len__(self) -> int:
        return self._size

    def add(self, detector: HalfSpaceTreesDetector | None = None) -> int:
        """A new series (fresh, or holding what `detector` learnt); returns its index."""
        if self._size == len(self._counters):
            self._grow(2 * self._size)
        index = self._size
        self._size += 1
        self._warming[index] = True
        self._warmers[index] = self._warmer()
        if detector is not None:
            self.replace(index, detector)
        return index

    def replace(self, index: int, detector: HalfSpaceTreesDetector) -> None:
        """Series `index` continues from what `detector` (same parameters) learnt."""
        self._check_index(index)
        if detector._params() != self._prototype._params():
            raise ValueError("the detector's parameters differ from the bank's")
        if detector.feature_names not in (None, self.feature_names):
            raise ValueError(
                f"the detector learnt {detector.feature_names}, not {self.feature_names}"
            )
        if detector.warming_up:
            self._warming[index] = True
            self._warmers[index] = HalfSpaceTreesDetector.from_state(detector.to_state())
        else:
            self._adopt(index, detector)

    def detector(self, index: int) -> HalfSpaceTreesDetector:
        """Series `index` as a standalone detector (a copy), e.g. to save its `to_state()`."""
        self._check_index(index)
        if self._warming[index]:
            return HalfSpaceTreesDetector.from_state(self._warmers[index].to_state())
        detector = self._prototype.clone()
        detector._names = self.feature_names
        detector._trees = self._trees
        detector._box = self._box[index].copy()
        detector._masses = self._masses[index].copy()
        detector._clock[:] = (self._counters[index], 0)
        return detector

    def warming_up(self, index: int) -> bool:
        self._check_index(index)
        return bool(self._warming[index])

    def process(self, series_index: npt.ArrayLike, X: npt.ArrayLike) -> Floats:
        """Score then learn each row of `X` on its series; NaN for rows in a warm-up.

        Rows of one series are taken in order; rows of different series are independent.
        """
        series = np.ascontiguousarray(series_index, dtype=np.int64)
        rows = np.ascontiguousarray(X, dtype=np.float64)
        if series.ndim != 1 or rows.shape != (len(series), len(self.feature_names)):
            raise DetectorInputError(
                f"need series_index of shape (n,) and X of shape (n, {len(self.feature_names)})"
            )
        if len(series) and (series.min() < 0 or series.max() >= self._size):
            raise DetectorInputError(f"series indexes must be in 0..{self._size - 1}")
        if not np.isfinite(rows).all():
            raise DetectorInputError("X holds NaN or infinite values: only finite are scored")
        out = np.full(len(series), np.nan, dtype=np.float64)
        warming = self._warming[series]
        if warming.any():
            positions = np.flatnonzero(warming)
            positions = positions[np.argsort(series[positions], kind="stable")]
            starts = np.flatnonzero(np.diff(series[positions], prepend=-1))
            for group in np.split(positions, starts[1:]):
                index = int(series[group[0]])
                warmer = self._warmers[index]
                done, scores = warmer.process_array(rows[group])
                out[group[done:]] = scores
                if not warmer.warming_up:
                    self._adopt(index, warmer)
            ready = np.flatnonzero(~warming)
            series, rows = series[ready], rows[ready]
        else:
            ready = None
        scores = np.empty(len(series), dtype=np.float64)
        if len(series):
            trees, window = self._trees, self._prototype.window_size
            _bank_kernel(
                series,
                rows,
                self._box,
                trees.feature,
                trees.threshold,
                self._masses,
                self._counters,
                window,
                trees.height,
                0.1 * window,
                float(trees.n_trees * window * ((2 << trees.height) - 1)),
                scores,
            )
        if ready is None:
            return scores
        out[ready] = scores
        return out

    def _warmer(self) -> HalfSpaceTreesDetector:
        warmer = self._prototype.clone()
        warmer._names = self.feature_names
        return warmer

    def _adopt(self, index: int, detector: HalfSpaceTreesDetector) -> None:
        assert detector._box is not None
        assert detector._masses is not None
        self._box[index] = detector._box
        self._masses[index] = detector._masses
        self._counters[index] = detector._clock[0]
        self._warming[index] = False
        self._warmers.pop(index, None)

    def _grow(self, capacity: int) -> None:
        def grown(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
            bigger = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
            bigger[: len(array)] = array
            return bigger

        self._box = grown(self._box)
        self._masses = grown(self._masses)
        self._counters = grown(self._counters)
        self._warming = grown(self._warming)

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self._size:
            raise IndexError(f"no series {index} in a bank of {self._size}")
