"""Outside the [q_low, q_high] quantiles of a measure's recent values."""

from __future__ import annotations

import math

from dexwatch.detectors.base import Features, Score, check_features
from dexwatch.detectors.parameter_checks import check_min_points
from dexwatch.detectors.recent_window import RecentWindow
from dexwatch.detectors.state_codec import register_kind
from dexwatch.detectors.threshold_rule import outside_score
from dexwatch.detectors.windowed_rule import WindowedRule

__all__ = ["QuantileBandRule"]


class QuantileBandRule(WindowedRule):
    """The band between the `q_low` and `q_high` quantiles of the last `window` values.

    Score: 0.0 inside the band; outside, `outside_score` with the band's width as the unit,
    i.e. 0.5 one band-width beyond its edge. By construction about `q_low + 1 - q_high` of
    ordinary values fall just outside and score a little; far-out values score near 1.

    Warm-up: until the window holds `min_points` values (the score is 0.0 meanwhile).
    """

    def __init__(
        self,
        feature: str,
        window: int = 200,
        q_low: float = 0.01,
        q_high: float = 0.99,
        min_points: int = 20,
    ) -> None:
        if not 0.0 <= q_low < q_high <= 1.0:
            raise ValueError(f"need 0 <= q_low < q_high <= 1, got {q_low} and {q_high}")
        check_min_points(min_points, window, fewest=2)
        self.feature = feature
        self.window = window
        self.q_low = q_low
        self.q_high = q_high
        self.min_points = min_points
        self._recent = RecentWindow(window)

    def band(self) -> tuple[float, float]:
        """The quantiles the next value is judged against; unbounded while warming up."""
        if self.warming_up:
            return -math.inf, math.inf
        return self._recent.quantile(self.q_low), self._recent.quantile(self.q_high)

    def score_one(self, x: Features) -> Score:
        check_features(x, (self.feature,))
        if self.warming_up:
            return Score(0.0, warming_up=True)
        low, high = self.band()
        return Score(outside_score(float(x[self.feature]), low, high, high - low), False)


QuantileBandRule.state_kind = register_kind("quantile_band_rule", QuantileBandRule)
