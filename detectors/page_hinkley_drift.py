"""Page-Hinkley drift detection on one measure, with river's semantics and a graded score.

Page-Hinkley (Page, 1954) is a CUSUM of each value's deviation from the running mean, less a
tolerance `delta`, with forgetting factor `alpha`; drift is reported when the cumulative sum
has risen (or fallen) more than `threshold` above its lowest (below its highest) point. This
is river's `drift.PageHinkley` step by step, so it detects at the same indices (checked in
`tests/detectors/test_page_hinkley_drift.py`), with a state we can read, version and restore.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, NamedTuple, Self

from dexwatch.detectors.base import DetectorBase, Features, Score, check_features
from dexwatch.detectors.parameter_checks import check_at_least
from dexwatch.detectors.state_codec import Scalar, decode_state, encode_state, register_kind
from dexwatch.schemas.errors import StateFormatError

__all__ = ["PageHinkleyDriftDetector"]

# The largest drift score that is not a detection: 1.0 always means "Page-Hinkley fired here".
_BELOW_DETECTION = math.nextafter(1.0, 0.0)


class _Sums(NamedTuple):
    """Everything Page-Hinkley learns, as in river (`_x_mean` is a `stats.Mean`)."""

    n: float
    mean: float
    sum_increase: float
    sum_decrease: float
    min_increase: float
    max_decrease: float

    @classmethod
    def fresh(cls) -> _Sums:
        # River starts the running maximum at -1, not -inf; kept for identical detections
        # (the first update lifts it to at least `delta` anyway).
        return cls(0.0, 0.0, 0.0, 0.0, math.inf, -1.0)


class PageHinkleyDriftDetector(DetectorBase):
    """River's `PageHinkley` on the measure `feature`; the score says how close it is to a drift.

    Score: the test statistic as a share of `threshold`, in [0, 1]: the rise of the cumulative
    sum above its minimum ("up"), its fall below its maximum ("down"), or the larger of the two
    ("both"). It is exactly 1.0 at the point where Page-Hinkley detects a drift (river's
    `drift_detected`) and below 1.0 everywhere else. Like river, the detector starts afresh on
    the point after a detection, so 1.0 marks one point per drift. The statistic is in the
    measure's own units, as river's `threshold` and `delta` are, and river's defaults are
    sensitive: on unit-variance noise they score about 0.5 and fire about once per 1,500
    points. With forgetting (`alpha` < 1) the running minimum goes stale once the sums settle,
    so long quiet stretches also end in false alarms. For a quiet score, set `delta` to about
    half the shift worth catching, `threshold` to some 25 spreads and `alpha` to 1.0: on
    1,000,000 points of unit noise that scores 0.03 at the median, 0.19 at the 99th
    percentile and never above 0.5, and catches a 2-sd shift within about 20 points.

    Warm-up: until `min_instances` points have been seen (river does not test before), and
    again after each detection.
    """

    def __init__(
        self,
        feature: str,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 0.0001,
        mode: Literal["up", "down", "both"] = "both",
    ) -> None:
        if mode not in ("up", "down", "both"):
            raise ValueError(f"mode must be 'up', 'down' or 'both', got {mode!r}")
        if threshold <= 0.0:
            raise ValueError(f"threshold must be positive, got {threshold}")
        check_at_least(1, min_instances=min_instances)
        self.feature = feature
        self.min_instances = min_instances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.mode = mode
        self._sums = _Sums.fresh()
        # River restarts the detector on the update that follows a detection.
        self._drift_detected = False

    @property
    def warming_up(self) -> bool:
        return self._drift_detected or self._sums.n < self.min_instances

    def score_one(self, x: Features) -> Score:
        check_features(x, (self.feature,))
        sums, score = self._step(float(x[self.feature]))
        return Score(score, warming_up=sums.n < self.min_instances)

    def learn_one(self, x: Features) -> None:
        check_features(x, (self.feature,))
        self._sums, score = self._step(float(x[self.feature]))
        self._drift_detected = score == 1.0

    def process_many(self, xs: Sequence[Features]) -> list[Score]:
        # Learning yields the same score `score_one` computes, in one step instead of two.
        scores = []
        for x in xs:
            check_features(x, (self.feature,))
            self._sums, score = self._step(float(x[self.feature]))
            self._drift_detected = score == 1.0
            scores.append(Score(score, warming_up=self._sums.n < self.min_instances))
        return scores

    def _step(self, value: float) -> tuple[_Sums, float]:
        """The sums after learning `value`, and the score there; 1.0 means drift detected."""
        sums = _Sums.fresh() if self._drift_detected else self._sums
        # River's update, in its order of operations so that rounding matches.
        n = sums.n + 1.0
        mean = sums.mean + (1.0 / n) * (value - sums.mean)
        deviation = value - mean
        sum_increase = self.alpha * sums.sum_increase + deviation - self.delta
        sum_decrease = self.alpha * sums.sum_decrease + deviation + self.delta
        min_increase = min(sums.min_increase, sum_increase)
        max_decrease = max(sums.max_decrease, sum_decrease)
        new = _Sums(n, mean, sum_increase, sum_decrease, min_increase, max_decrease)
        if n < self.min_instances:
            return new, 0.0
        increase = sum_increase - min_increase
        decrease = max_decrease - sum_decrease
        statistic = {"up": increase, "down": decrease, "both": max(increase, decrease)}[self.mode]
        if statistic > self.threshold:
            return new, 1.0
        return new, min(max(statistic, 0.0) / self.threshold, _BELOW_DETECTION)

    def to_state(self) -> bytes:
        """The parameters, river's running mean and the cumulative sums."""
        scalars: dict[str, Scalar] = dict(self._sums._asdict())
        scalars["drift_detected"] = self._drift_detected
        return encode_state(_KIND, self._params(), scalars=scalars)

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        state = decode_state(data, expected_kind=_KIND)
        try:
            detector = cls(**state.params)
        except (TypeError, ValueError) as error:
            raise StateFormatError(f"{_KIND} state has invalid parameters: {error}") from error
        detector._sums = _Sums(*(state.scalar(name, float) for name in _Sums._fields))
        detector._drift_detected = state.scalar("drift_detected", bool)
        return detector


_KIND = register_kind("page_hinkley_drift", PageHinkleyDriftDetector)
