"""Tukey's fences on a measure's recent values: outside [Q1 - k IQR, Q3 + k IQR]."""

from __future__ import annotations

import math

from dexwatch.detectors.base import Features, Score, check_features
from dexwatch.detectors.parameter_checks import check_at_least, check_min_points
from dexwatch.detectors.recent_window import RecentWindow
from dexwatch.detectors.state_codec import register_kind
from dexwatch.detectors.threshold_rule import outside_score
from dexwatch.detectors.windowed_rule import WindowedRule

__all__ = ["IqrRule"]


class IqrRule(WindowedRule):
    """Tukey's fences over the last `window` values; `k` is 1.5 for outliers, 3 for extremes.

    Score: 0.0 between the fences; beyond one, `outside_score` with the IQR as the unit, i.e.
    0.5 one IQR beyond the fence. The quartiles are interpolated linearly (numpy's default).

    Warm-up: until the window holds `min_points` values (the score is 0.0 meanwhile).
    """

    def __init__(
        self, feature: str, window: int = 100, k: float = 1.5, min_points: int = 20
    ) -> None:
        check_at_least(0, k=k)
        check_min_points(min_points, window, fewest=4)
        self.feature = feature
        self.window = window
        self.k = k
        self.min_points = min_points
        self._recent = RecentWindow(window)

    def band(self) -> tuple[float, float]:
        """The fences the next value is judged against; unbounded while warming up."""
        if self.warming_up:
            return -math.inf, math.inf
        low, high, _ = self._fences()
        return low, high

    def score_one(self, x: Features) -> Score:
        check_features(x, (self.feature,))
        if self.warming_up:
            return Score(0.0, warming_up=True)
        low, high, iqr = self._fences()
        return Score(outside_score(float(x[self.feature]), low, high, iqr), False)

    def _fences(self) -> tuple[float, float, float]:
        q1, q3 = self._recent.quantile(0.25), self._recent.quantile(0.75)
        iqr = q3 - q1
        return q1 - self.k * iqr, q3 + self.k * iqr, iqr


IqrRule.state_kind = register_kind("iqr_rule", IqrRule)
