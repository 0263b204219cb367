"""ADWIN drift detection on one measure, with river's semantics and a graded drift score.

ADWIN (Bifet & Gavaldà, 2007) keeps a window of recent values summarised as an exponential
histogram: row `i` holds up to `max_buckets` buckets of 2**i values each (their sum and the sum
of squared deviations). Every `clock` points it tries each bucket boundary as a cut between an
older part W0 and a newer part W1 and reports drift when their means differ by more than a
Bernstein bound at confidence `delta`.

River 0.26 runs ADWIN in Rust, whose state is an opaque serde blob; this is a line-by-line port
of river's `rust_src/adwin.rs` (the same arithmetic in the same order, so the same detections
at the same indices, checked against river in `tests/detectors/test_adwin_drift.py`), with a
state we can read, version and restore.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Self

import numpy as np

from dexwatch.detectors.base import DetectorBase, Features, Score, check_features
from dexwatch.detectors.parameter_checks import check_at_least
from dexwatch.detectors.state_codec import Scalar, decode_state, encode_state, register_kind
from dexwatch.schemas.errors import StateFormatError

__all__ = ["AdwinDriftDetector"]

# The largest drift score that is not a detection: 1.0 always means "ADWIN fired here".
_BELOW_DETECTION = math.nextafter(1.0, 0.0)


class _AdaptiveWindow:
    """ADWIN's exponential histogram and its change test (river's `AdaptiveWindowing`)."""

    __slots__ = (
        "checked",
        "clock",
        "delta",
        "evidence",
        "grace_period",
        "max_buckets",
        "min_window_length",
        "tick",
        "total",
        "totals",
        "variance",
        "variances",
        "width",
    )

    def __init__(
        self, delta: float, clock: int, max_buckets: int, min_window_length: int, grace_period: int
    ) -> None:
        self.delta = delta
        self.clock = clock
        self.max_buckets = max_buckets
        # Floats, as in river: the test compares them with widths, which are floats.
        self.min_window_length = float(min_window_length)
        self.grace_period = float(grace_period)
        self.total = 0.0
        self.variance = 0.0  # sum of squared deviations from the window mean
        self.width = 0.0
        self.tick = 0
        # Row i: the buckets of 2**i values, oldest first.
        self.totals: list[list[float]] = [[]]
        self.variances: list[list[float]] = [[]]
        # The drift score of the latest change test, and whether one has run on this window.
        self.evidence = 0.0
        self.checked = False

    def copy(self) -> _AdaptiveWindow:
        twin = _AdaptiveWindow(
            self.delta,
            self.clock,
            self.max_buckets,
            int(self.min_window_length),
            int(self.grace_period),
        )
        twin.total, twin.variance, twin.width, twin.tick = (
            self.total,
            self.variance,
            self.width,
            self.tick,
        )
        twin.totals = [list(row) for row in self.totals]
        twin.variances = [list(row) for row in self.variances]
        twin.evidence, twin.checked = self.evidence, self.checked
        return twin

    def will_test(self) -> bool:
        """Whether the next point triggers a change test (otherwise its score is unchanged)."""
        return (self.tick + 1) % self.clock == 0 and self.width + 1.0 > self.grace_period

    def update(self, value: float) -> bool:
        """Add `value`, run the change test when due; True when drift is detected."""
        self._insert(value)
        return self._detect_change()

    def _insert(self, value: float) -> None:
        self.totals[0].append(value)
        self.variances[0].append(0.0)
        # Streaming variance update; river's order of operations, so rounding matches.
        self.width += 1.0
        increment = 0.0
        if self.width > 1.0:
            gap = value - self.total / (self.width - 1.0)
            increment = (self.width - 1.0) * gap * gap / self.width
        self.variance += increment
        self.total += value
        self._compress()

    def _compress(self) -> None:
        """Merge the two oldest buckets of each full row into one bucket of the next row."""
        row = 0
        while len(self.totals[row]) == self.max_buckets + 1:
            size = float(1 << row)
            totals, variances = self.totals[row], self.variances[row]
            mean_a, mean_b = totals[0] / size, totals[1] / size
            merged_total = totals[0] + totals[1]
            merged_variance = (
                variances[0] + variances[1] + size * 0.5 * (mean_a - mean_b) * (mean_a - mean_b)
            )
            if row + 1 == len(self.totals):
                self.totals.append([])
                self.variances.append([])
            self.totals[row + 1].append(merged_total)
            self.variances[row + 1].append(merged_variance)
            del totals[:2], variances[:2]
            if len(self.totals[row + 1]) <= self.max_buckets:
                break
            row += 1

    def _delete_oldest(self) -> None:
        last = len(self.totals) - 1
        size = float(1 << last)
        total, variance = self.totals[last][0], self.variances[last][0]
        mean = total / size
        self.width -= size
        self.total -= total
        window_mean = self.total / self.width
        self.variance -= variance + size * self.width * (mean - window_mean) * (
            mean - window_mean
        ) / (size + self.width)
        del self.totals[last][0], self.variances[last][0]
        if not self.totals[last]:
            self.totals.pop()
            self.variances.pop()

    def _detect_change(self) -> bool:
        detected = False
        self.tick += 1
        if self.tick % self.clock != 0 or self.width <= self.grace_period:
            return False
        strongest = 0.0
        cut_again = True
        while cut_again:
            cut_again = False
            older_n, newer_n = 0.0, self.width
            older_sum, newer_sum = 0.0, self.total
            stop = False
            for row in range(len(self.totals) - 1, -1, -1):
                size = float(1 << row)
                totals = self.totals[row]
                count = len(totals)
                cut = False
                for index in range(count):
                    older_n += size
                    newer_n -= size
                    older_sum += totals[index]
                    newer_sum -= totals[index]
                    if row == 0 and index == count - 1:
                        stop = True
                        break
                    if older_n < self.min_window_length or newer_n < self.min_window_length:
                        continue
                    gap = abs(older_sum / older_n - newer_sum / newer_n)
                    if self._cut_is_significant(older_n, newer_n, gap):
                        cut_again = detected = True
                        if self.width > 0.0:
                            self._delete_oldest()
                            cut = True
                            break
                    elif not detected:
                        strongest = max(strongest, self._evidence(older_n, newer_n, gap))
                if stop or cut:
                    break
        self.checked = True
        self.evidence = 1.0 if detected else min(strongest, _BELOW_DETECTION)
        return detected

    def _cut_is_significant(self, older_n: float, newer_n: float, gap: float) -> bool:
        # river's evaluate_cut, term by term.
        delta_prime = math.log(2.0 * math.log(self.width) / self.delta)
        m_recip = 1.0 / (older_n - self.min_window_length + 1.0) + 1.0 / (
            newer_n - self.min_window_length + 1.0
        )
        epsilon = (
            # A flat window's running variance can round to just below 0.
            math.sqrt(2.0 * m_recip * max(self.variance / self.width, 0.0) * delta_prime)
            + 2.0 / 3.0 * delta_prime * m_recip
        )
        return gap > epsilon

    def _evidence(self, older_n: float, newer_n: float, gap: float) -> float:
        """How far this cut is towards a detection: s such that ADWIN at `delta ** s` fires.

        ADWIN fires when gap > sqrt(2 m v d) + 2/3 m d, with d = ln(2 ln(width) / delta).
        Solving for the d* at which this cut would just fire gives the confidence delta* =
        2 ln(width) exp(-d*) it is significant at, and s = ln(delta*) / ln(delta): 1.0 at
        ADWIN's own bound, 0.5 at sqrt(delta), 0.0 when no confidence level below 1 would
        fire. In log-confidence units, like Page-Hinkley's statistic / threshold.
        """
        m_recip = 1.0 / (older_n - self.min_window_length + 1.0) + 1.0 / (
            newer_n - self.min_window_length + 1.0
        )
        # a r^2 + b r - gap = 0 with r = sqrt(d*); this form of the root does not cancel.
        a = 2.0 / 3.0 * m_recip
        b = math.sqrt(2.0 * m_recip * max(self.variance / self.width, 0.0))
        root = 2.0 * gap / (b + math.sqrt(b * b + 4.0 * a * gap)) if gap > 0.0 else 0.0
        log_delta_star = math.log(2.0 * math.log(self.width)) - root * root
        return max(log_delta_star / math.log(self.delta), 0.0)


class AdwinDriftDetector(DetectorBase):
    """River's ADWIN on the measure `feature`; the score says how close it is to a drift.

    Score: how close ADWIN's strongest cut was to a detection at its latest change test, as
    the s in [0, 1] such that an ADWIN with confidence `delta ** s` would detect there (see
    `_AdaptiveWindow._evidence`): 0.5 means significant at sqrt(delta). It is exactly 1.0 at
    the point where ADWIN detects a drift (river's `drift_detected`) and below 1.0 everywhere
    else; between tests (every `clock` points) it holds the latest test's value. Like river, the
    detector starts afresh on the point after a detection, so 1.0 marks one point per drift and
    the score then rebuilds from 0. The score is scale-free: on stationary Gaussian noise with
    the defaults it is 0.0 half the time, under 0.1 nine times in ten and stayed under 0.5 over
    200,000 points; a sustained mean shift drives it up towards 1.0.

    Warm-up: until a change test has run on the current window (at the first multiple of
    `clock` points with more than `grace_period` of them), and again after each detection.
    """

    def __init__(
        self,
        feature: str,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        if not 0.0 < delta < 1.0:
            raise ValueError(f"delta must be in (0, 1), got {delta}")
        check_at_least(1, clock=clock, max_buckets=max_buckets, min_window_length=min_window_length)
        check_at_least(0, grace_period=grace_period)
        self.feature = feature
        self.delta = delta
        self.clock = clock
        self.max_buckets = max_buckets
        self.min_window_length = min_window_length
        self.grace_period = grace_period
        self._window = self._new_window()
        # River restarts the detector on the update that follows a detection.
        self._drift_detected = False

    def _new_window(self) -> _AdaptiveWindow:
        return _AdaptiveWindow(
            self.delta, self.clock, self.max_buckets, self.min_window_length, self.grace_period
        )

    @property
    def warming_up(self) -> bool:
        return self._drift_detected or not self._window.checked

    @property
    def width(self) -> int:
        """How many values the adaptive window holds (0 after a detection: it starts afresh)."""
        return 0 if self._drift_detected else int(self._window.width)

    @property
    def estimation(self) -> float:
        """The mean of the window, 0.0 when empty (river's `ADWIN.estimation`)."""
        if self._drift_detected or not self._window.width:
            return 0.0
        return self._window.total / self._window.width

    def score_one(self, x: Features) -> Score:
        check_features(x, (self.feature,))
        window = self._new_window() if self._drift_detected else self._window
        if window.will_test():
            # Only a point that triggers a test can change the score: try it on a copy.
            window = window.copy()
            window.update(float(x[self.feature]))
        return Score(window.evidence, warming_up=not window.checked)

    def learn_one(self, x: Features) -> None:
        check_features(x, (self.feature,))
        self._learn(float(x[self.feature]))

    def process_many(self, xs: Sequence[Features]) -> list[Score]:
        # Learning yields the same score `score_one` computes, without the copy.
        scores = []
        for x in xs:
            check_features(x, (self.feature,))
            self._learn(float(x[self.feature]))
            scores.append(Score(self._window.evidence, warming_up=not self._window.checked))
        return scores

    def _learn(self, value: float) -> None:
        if self._drift_detected:
            self._window = self._new_window()
        self._drift_detected = self._window.update(value)

    def to_state(self) -> bytes:
        """The parameters, the buckets row by row, and the window's running sums."""
        window = self._window
        arrays = {
            "row_lengths": np.array([len(row) for row in window.totals], dtype=np.int64),
            "totals": np.array([t for row in window.totals for t in row], dtype=np.float64),
            "variances": np.array([v for row in window.variances for v in row], np.float64),
        }
        scalars: dict[str, Scalar] = {
            "total": window.total,
            "variance": window.variance,
            "width": window.width,
            "tick": window.tick,
            "evidence": window.evidence,
            "checked": window.checked,
            "drift_detected": self._drift_detected,
        }
        return encode_state(_KIND, self._params(), arrays, scalars)

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        state = decode_state(data, expected_kind=_KIND)
        try:
            detector = cls(**state.params)
        except (TypeError, ValueError) as error:
            raise StateFormatError(f"{_KIND} state has invalid parameters: {error}") from error
        window = detector._window
        lengths = state.array("row_lengths", np.int64)
        totals = state.array("totals", np.float64).tolist()
        variances = state.array("variances", np.float64).tolist()
        if (
            lengths.ndim != 1
            or not lengths.size
            or not len(totals) == len(variances) == int(lengths.sum())
        ):
            raise StateFormatError(f"{_KIND} state has buckets that do not add up")
        bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
        window.totals = [totals[a:b] for a, b in pairwise(bounds)]
        window.variances = [variances[a:b] for a, b in pairwise(bounds)]
        window.total = state.scalar("total", float)
        window.variance = state.scalar("variance", float)
        window.width = state.scalar("width", float)
        window.tick = state.scalar("tick", int)
        window.evidence = state.scalar("evidence", float)
        window.checked = state.scalar("checked", bool)
        detector._drift_detected = state.scalar("drift_detected", bool)
        return detector


_KIND = register_kind("adwin_drift", AdwinDriftDetector)
