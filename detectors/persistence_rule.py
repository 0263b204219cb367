"""A measure stuck at one value, or jumped away from its recent level."""

from __future__ import annotations

import math
from typing import Self

import numpy as np

from dexwatch.detectors.base import DetectorBase, Features, Score, check_features
from dexwatch.detectors.parameter_checks import check_at_least, check_min_points
from dexwatch.detectors.recent_window import RecentWindow
from dexwatch.detectors.state_codec import decode_state, encode_state, register_kind
from dexwatch.detectors.threshold_rule import outside_score
from dexwatch.schemas.errors import StateFormatError

__all__ = ["PersistenceRule"]


class PersistenceRule(DetectorBase):
    """Stuck: `stuck_points` or more values in a row within `tolerance` of the first of them.
    Jumped: more than `k` recent spreads from the recent mean (over the last `window` values).

    A feed that stops updating repeats its last value; a broken one leaps. Score: the larger
    of the two, each on the shared `outside_score` scale:

    - stuck: the run length against `stuck_points - 1` with unit `stuck_points`, so a run of
      exactly `stuck_points` scores 1 / (stuck_points + 1) and twice as long about 0.5;
    - jumped: the distance beyond mean ± k·spread with the spread (population sd) as unit,
      so 0.5 at k + 1 spreads from the mean. After a stuck stretch the spread is 0 and any
      move scores near 1.

    Warm-up: until the window holds `min_points` values; meanwhile only "stuck" is scored.
    """

    def __init__(
        self,
        feature: str,
        stuck_points: int = 10,
        tolerance: float = 0.0,
        window: int = 50,
        k: float = 4.0,
        min_points: int = 10,
    ) -> None:
        check_at_least(2, stuck_points=stuck_points)
        if not (math.isfinite(tolerance) and tolerance >= 0.0 and k >= 0.0):
            raise ValueError(f"tolerance and k must be finite and >= 0, got {tolerance}, {k}")
        check_min_points(min_points, window, fewest=2)
        self.feature = feature
        self.stuck_points = stuck_points
        self.tolerance = tolerance
        self.window = window
        self.k = k
        self.min_points = min_points
        self._recent = RecentWindow(window)
        self._anchor = 0.0  # first value of the current run
        self._run = 0  # values in the current run (0 before any)

    @property
    def warming_up(self) -> bool:
        return len(self._recent) < self.min_points

    def score_one(self, x: Features) -> Score:
        check_features(x, (self.feature,))
        value = float(x[self.feature])
        stuck = outside_score(
            self._run_with(value), -math.inf, self.stuck_points - 1.0, self.stuck_points
        )
        if self.warming_up:
            return Score(stuck, warming_up=True)
        mean, spread = self._recent.mean_and_std()
        jump = outside_score(value, mean - self.k * spread, mean + self.k * spread, spread)
        return Score(max(stuck, jump), warming_up=False)

    def band(self) -> tuple[float, float]:
        """Where the next value is not a jump (mean ± k spreads); unbounded while warming up.
        A stuck value scores inside it."""
        if self.warming_up:
            return -math.inf, math.inf
        mean, spread = self._recent.mean_and_std()
        return mean - self.k * spread, mean + self.k * spread

    def learn_one(self, x: Features) -> None:
        check_features(x, (self.feature,))
        value = float(x[self.feature])
        self._run = self._run_with(value)
        if self._run == 1:
            self._anchor = value
        self._recent.push(value)

    def _run_with(self, value: float) -> int:
        """The run length if `value` came next."""
        if self._run and abs(value - self._anchor) <= self.tolerance:
            return self._run + 1
        return 1

    def to_state(self) -> bytes:
        """The parameters, the recent values (oldest first) and the current run."""
        return encode_state(
            _KIND,
            self._params(),
            {"recent": self._recent.values()},
            {"anchor": self._anchor, "run": self._run},
        )

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        state = decode_state(data, expected_kind=_KIND)
        try:
            rule = cls(**state.params)
            rule._recent = RecentWindow.from_values(rule.window, state.array("recent", np.float64))
        except (TypeError, ValueError) as error:
            raise StateFormatError(f"{_KIND} state does not fit its parameters: {error}") from error
        rule._anchor = state.scalar("anchor", float)
        rule._run = state.scalar("run", int)
        return rule


_KIND = register_kind("persistence_rule", PersistenceRule)
