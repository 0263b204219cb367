"""What rules judged against a window of one feature's recent values have in common."""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np

from dexwatch.detectors.base import DetectorBase, Features, check_features
from dexwatch.detectors.recent_window import RecentWindow
from dexwatch.detectors.state_codec import decode_state, encode_state
from dexwatch.schemas.errors import StateFormatError

__all__ = ["WindowedRule"]


class WindowedRule(DetectorBase):
    """Learns into a `RecentWindow`, warms up until `min_points`, saves the window as state.

    Subclasses set `feature`, `window`, `min_points` and `_recent` in `__init__`, implement
    `score_one`, and set `state_kind` from `register_kind` once the class exists.
    """

    state_kind: ClassVar[str]
    feature: str
    window: int
    min_points: int
    _recent: RecentWindow

    @property
    def warming_up(self) -> bool:
        return len(self._recent) < self.min_points

    def learn_one(self, x: Features) -> None:
        check_features(x, (self.feature,))
        self._recent.push(float(x[self.feature]))

    def to_state(self) -> bytes:
        """The parameters and the recent values, oldest first."""
        return encode_state(self.state_kind, self._params(), {"recent": self._recent.values()})

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        state = decode_state(data, expected_kind=cls.state_kind)
        try:
            rule = cls(**state.params)
            rule._recent = RecentWindow.from_values(rule.window, state.array("recent", np.float64))
        except (TypeError, ValueError) as error:
            raise StateFormatError(
                f"{cls.state_kind} state does not fit its parameters: {error}"
            ) from error
        return rule
