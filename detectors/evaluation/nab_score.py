"""The NAB (Numenta Anomaly Benchmark) score of a detector, exactly as `docs/nab-scoring.md` says.

A file's rows carry the detector's scores; its labelled windows are row-index ranges. At a
threshold `t` the detections are the scored rows (after the probationary period) with
`score >= t`. Each window earns its earliest detection's weight, or `-fn` when it has none;
every detection outside the windows costs its own (negative) weight. One threshold serves the
whole corpus and profile: the best of `{1.1}` and every distinct scored value, ties going to
the higher threshold.

Speed matters because every distinct score is a candidate threshold (~100k on the NAB files):
each row's weight depends only on its position, so each file is turned once into "events"
(score, change of S when rows with this score become detections) and S(t) for every
threshold is one cumulative sum over the events sorted by score: O(n log n) in all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dexwatch.detectors.evaluation.labels import LabelError

__all__ = [
    "NO_DETECTION_THRESHOLD",
    "PROFILES",
    "NabCategoryResult",
    "NabFile",
    "NabFileResult",
    "NabProfile",
    "NabResult",
    "best_threshold",
    "probationary_rows",
    "scaled_sigmoid",
    "score_at_threshold",
    "score_corpus",
]

FloatArray = npt.NDArray[np.float64]

# Above every score in [0, 1]: the threshold at which nothing is detected (the null detector).
NO_DETECTION_THRESHOLD = 1.1

# Cumulative sums of +a and -a can differ from an untouched sum in the last bits; scores this
# close are one tie (and ties go to the higher threshold).
_TIE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class NabProfile:
    """Weights of a true positive, a false positive and a false negative."""

    name: str
    tp: float
    fp: float
    fn: float


PROFILES: dict[str, NabProfile] = {
    profile.name: profile
    for profile in (
        NabProfile("standard", tp=1.0, fp=0.11, fn=1.0),
        NabProfile("reward_low_FP_rate", tp=1.0, fp=0.22, fn=1.0),
        NabProfile("reward_low_FN_rate", tp=1.0, fp=0.11, fn=2.0),
    )
}


def scaled_sigmoid(y: float) -> float:
    """`2 / (1 + exp(5 y)) - 1`, and exactly -1 beyond y = 3."""
    if y > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def _scaled_sigmoid_array(y: FloatArray) -> FloatArray:
    # Clipped before exp so that far-away rows cannot overflow (they are -1 anyway).
    clipped = np.minimum(y, 3.0)
    values: FloatArray = np.where(y > 3.0, -1.0, 2.0 / (1.0 + np.exp(5.0 * clipped)) - 1.0)
    return values


_SIGMA_MINUS_ONE = scaled_sigmoid(-1.0)


def probationary_rows(n: int) -> int:
    """Rows at the start of an n-row file that are not scored: `min(floor(0.15 n), 750)`."""
    return min(math.floor(0.15 * n), 750)


class NabFile:
    """One file: a score in [0, 1] per row, in file order, and its windows as row indices.

    `windows` are inclusive `(first_row, last_row)` pairs; they must not overlap. Windows are
    counted even when they lie in the probationary period (none of NAB's do): only detections
    there are ignored.
    """

    __slots__ = ("name", "scores", "windows")

    def __init__(
        self,
        name: str,
        scores: Sequence[float] | FloatArray,
        windows: Iterable[tuple[int, int]],
    ) -> None:
        values = np.asarray(scores, dtype=np.float64)
        if values.ndim != 1:
            raise LabelError(f"{name}: scores must be a flat sequence")
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0.0) | (values > 1.0))
        if bad.size:
            row = int(bad[0])
            raise LabelError(
                f"{name}: {bad.size} score(s) outside [0, 1], first at row {row}: {values[row]}"
            )
        ordered = sorted((int(first), int(last)) for first, last in windows)
        previous_last = -1
        for first, last in ordered:
            if not 0 <= first <= last < len(values):
                raise LabelError(
                    f"{name}: window rows ({first}, {last}) are not within 0..{len(values) - 1}"
                )
            if first <= previous_last:
                raise LabelError(f"{name}: window starting at row {first} overlaps another")
            previous_last = last
        self.name = name
        self.scores: FloatArray = values
        self.windows: tuple[tuple[int, int], ...] = tuple(ordered)

    @property
    def category(self) -> str:
        """`artificialWithAnomaly` for `artificialWithAnomaly/art_daily_jumpsup.csv`."""
        return self.name.split("/")[0] if "/" in self.name else ""

    def __repr__(self) -> str:
        return f"NabFile({self.name!r}, {len(self.scores)} rows, windows={list(self.windows)})"


@dataclass(frozen=True, slots=True)
class NabFileResult:
    """One file's part of the score at the chosen threshold."""

    name: str
    windows: int
    detected_windows: int
    false_positives: int
    raw: float


@dataclass(frozen=True, slots=True)
class NabCategoryResult:
    """A category's share of the corpus score, at the corpus threshold.

    `normalised` is None for a category without windows (the formula divides by zero there);
    its `raw` is then the cost of its false positives.
    """

    category: str
    windows: int
    raw: float
    normalised: float | None


@dataclass(frozen=True, slots=True)
class NabResult:
    """The corpus score for one profile at one threshold."""

    profile: NabProfile
    threshold: float
    raw: float
    windows: int
    per_file: tuple[NabFileResult, ...]

    @property
    def normalised(self) -> float | None:
        """`100 (S - S_null) / (S_perfect - S_null)`: null 0, perfect 100; None if no windows."""
        return _normalise(self.raw, self.windows, self.profile)

    def per_category(self) -> dict[str, NabCategoryResult]:
        """Each category's files scored at the corpus threshold (they add up to the total)."""
        parts: dict[str, list[NabFileResult]] = {}
        for file in self.per_file:
            category = file.name.split("/")[0] if "/" in file.name else ""
            parts.setdefault(category, []).append(file)
        results = {}
        for category, files in sorted(parts.items()):
            windows = sum(file.windows for file in files)
            raw = math.fsum(file.raw for file in files)
            results[category] = NabCategoryResult(
                category, windows, raw, _normalise(raw, windows, self.profile)
            )
        return results


def _normalise(raw: float, windows: int, profile: NabProfile) -> float | None:
    if windows == 0:
        return None
    perfect = profile.tp * windows
    null = -profile.fn * windows
    return 100.0 * (raw - null) / (perfect - null)


def _row_weights(file: NabFile, profile: NabProfile) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """The weight a detection at each row would earn, and each row's window (-1: none)."""
    n = len(file.scores)
    weights = np.full(n, -profile.fp)  # outside windows, before any window has ended
    window_of = np.full(n, -1, dtype=np.intp)
    for k, (first, last) in enumerate(file.windows):
        width = last - first + 1
        rows = np.arange(first, last + 1, dtype=np.float64)
        weights[first : last + 1] = (
            profile.tp * _scaled_sigmoid_array(-(last - rows + 1.0) / width) / _SIGMA_MINUS_ONE
        )
        window_of[first : last + 1] = k
        # Until the next window starts, the most recent window is this one.
        following = file.windows[k + 1][0] if k + 1 < len(file.windows) else n
        if following > last + 1:
            if width == 1:
                # W' - 1 = 0: the sigmoid's argument is +infinity, i.e. beyond 3, i.e. -1.
                weights[last + 1 : following] = -profile.fp
            else:
                after = np.arange(last + 1, following, dtype=np.float64)
                weights[last + 1 : following] = profile.fp * _scaled_sigmoid_array(
                    (after - last) / (width - 1)
                )
    return weights, window_of


def _file_events(file: NabFile, profile: NabProfile) -> tuple[FloatArray, FloatArray]:
    """(score, change of S when rows of this score become detections) for every scored row."""
    weights, window_of = _row_weights(file, profile)
    start = probationary_rows(len(file.scores))
    scores = file.scores[start:]
    weights = weights[start:]
    window_of = window_of[start:]
    outside = window_of < 0
    event_scores = [scores[outside]]
    event_deltas = [weights[outside]]
    for k in range(len(file.windows)):
        inside = np.flatnonzero(window_of == k)
        if inside.size == 0:
            continue
        # Rows join as the threshold falls past their score; the window is worth its best
        # (= earliest) detection so far, so each row adds how much it raises that best.
        order = inside[np.argsort(-scores[inside], kind="stable")]
        best = np.maximum.accumulate(weights[order])
        before = np.concatenate(([-profile.fn], best[:-1]))
        event_scores.append(scores[order])
        event_deltas.append(best - before)
    return np.concatenate(event_scores), np.concatenate(event_deltas)


def score_at_threshold(
    files: Sequence[NabFile], profile: NabProfile, threshold: float
) -> NabResult:
    """The corpus score with detections at `score >= threshold` (no threshold search)."""
    per_file = []
    for file in files:
        weights, window_of = _row_weights(file, profile)
        start = probationary_rows(len(file.scores))
        detected = np.zeros(len(file.scores), dtype=bool)
        detected[start:] = file.scores[start:] >= threshold
        false_positive = detected & (window_of < 0)
        parts = [float(weight) for weight in weights[false_positive]]
        found = 0
        for first, last in file.windows:
            hits = np.flatnonzero(detected[first : last + 1])
            if hits.size:
                found += 1
                parts.append(float(weights[first + int(hits[0])]))
            else:
                parts.append(-profile.fn)
        per_file.append(
            NabFileResult(
                name=file.name,
                windows=len(file.windows),
                detected_windows=found,
                false_positives=int(false_positive.sum()),
                raw=math.fsum(parts),
            )
        )
    return NabResult(
        profile=profile,
        threshold=threshold,
        raw=math.fsum(result.raw for result in per_file),
        windows=sum(len(file.windows) for file in files),
        per_file=tuple(per_file),
    )


def best_threshold(files: Sequence[NabFile], profile: NabProfile) -> float:
    """The threshold maximising S over `{1.1}` and every distinct scored value (ties: higher)."""
    windows = sum(len(file.windows) for file in files)
    null = -profile.fn * windows
    events = [_file_events(file, profile) for file in files]
    scores = np.concatenate([np.empty(0)] + [part[0] for part in events])
    deltas = np.concatenate([np.empty(0)] + [part[1] for part in events])
    if scores.size == 0:
        return NO_DETECTION_THRESHOLD
    order = np.argsort(-scores, kind="stable")
    scores = scores[order]
    totals = null + np.cumsum(deltas[order])
    # S at threshold t counts every event with score >= t: the last event of each score.
    last_of_score = np.flatnonzero(np.append(scores[1:] != scores[:-1], True))
    thresholds = np.concatenate(([NO_DETECTION_THRESHOLD], scores[last_of_score]))
    candidates = np.concatenate(([null], totals[last_of_score]))
    # Thresholds fall along the array, so the first near-maximum is the highest threshold.
    chosen = int(np.argmax(candidates >= candidates.max() - _TIE_TOLERANCE))
    return float(thresholds[chosen])


def score_corpus(files: Sequence[NabFile], profile: NabProfile) -> NabResult:
    """The corpus score at its best threshold for `profile` (see `best_threshold`)."""
    return score_at_threshold(files, profile, best_threshold(files, profile))
