"""A hard lower and/or upper bound on one measure, and how every rule scores "outside"."""

from __future__ import annotations

import math
from typing import Self

from dexwatch.detectors.base import DetectorBase, Features, Score, check_features
from dexwatch.detectors.state_codec import decode_state, encode_state, register_kind
from dexwatch.schemas.errors import StateFormatError

__all__ = ["ThresholdRule", "outside_score"]

# Differences this small against the edge's magnitude are rounding, not a move: a flat
# series whose recent spread is 0.0 must not score 1.0 for a change in the last bit.
_RESOLUTION = 1e-9


def outside_score(value: float, low: float, high: float, unit: float) -> float:
    """0.0 inside [low, high]; outside, d / (d + unit) for the distance d to the nearest edge.

    So the score rises from 0 at the edge to 0.5 one `unit` beyond it and towards 1 further
    out: the rules share this scale, each with its own natural unit (the IQR, the band's
    width, the recent spread...). Either edge may be infinite.
    """
    if value < low:
        distance, edge = low - value, low
    elif value > high:
        distance, edge = value - high, high
    else:
        return 0.0
    unit = max(unit, _RESOLUTION * max(1.0, abs(edge)))
    return distance / (distance + unit)


class ThresholdRule(DetectorBase):
    """Outside [`lower`, `upper`] on the measure `feature` (either bound may be None).

    Score: 0.0 within the bounds (a value on a bound is within); beyond one, `outside_score`
    with unit `scale`, i.e. 0.5 at `scale` past the bound. `scale` defaults to the distance
    between the bounds when both are set, else to the bound's magnitude (at least 1.0). No
    warm-up: the bounds are given, not learnt, and nothing is learnt.
    """

    def __init__(
        self,
        feature: str,
        lower: float | None = None,
        upper: float | None = None,
        scale: float | None = None,
    ) -> None:
        if lower is None and upper is None:
            raise ValueError("a threshold rule needs a lower bound, an upper bound or both")
        if lower is not None and upper is not None and not lower < upper:
            raise ValueError(f"lower ({lower}) must be below upper ({upper})")
        for name, bound in (("lower", lower), ("upper", upper), ("scale", scale)):
            if bound is not None and not math.isfinite(bound):
                raise ValueError(f"{name} must be finite, got {bound}")
        if scale is not None and scale <= 0.0:
            raise ValueError(f"scale must be positive, got {scale}")
        self.feature = feature
        self.lower = lower
        self.upper = upper
        self.scale = scale
        if scale is not None:
            self._unit = scale
        elif lower is not None and upper is not None:
            self._unit = upper - lower
        else:
            bound = lower if lower is not None else upper
            self._unit = max(abs(bound or 0.0), 1.0)
        self._low = -math.inf if lower is None else lower
        self._high = math.inf if upper is None else upper

    @property
    def warming_up(self) -> bool:
        return False

    def band(self) -> tuple[float, float]:
        """The bounds a value is judged against; a missing one is infinite."""
        return self._low, self._high

    def score_one(self, x: Features) -> Score:
        check_features(x, (self.feature,))
        value = float(x[self.feature])
        return Score(outside_score(value, self._low, self._high, self._unit), warming_up=False)

    def learn_one(self, x: Features) -> None:
        # Nothing to learn, but a point the rule could not score is refused all the same.
        check_features(x, (self.feature,))

    def to_state(self) -> bytes:
        """Only the parameters: the rule learns nothing."""
        return encode_state(_KIND, self._params())

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        state = decode_state(data, expected_kind=_KIND)
        try:
            return cls(**state.params)
        except (TypeError, ValueError) as error:
            raise StateFormatError(f"{_KIND} state has invalid parameters: {error}") from error


_KIND = register_kind("threshold_rule", ThresholdRule)
