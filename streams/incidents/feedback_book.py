"""The feedback book: per series-measure, what people's verdicts add to the severity needed.

'not relevant' adds `step`, 'relevant' takes it off; the offset stays within +/-`max_offset`
and halves every `half_life` of event time, so a verdict's effect is bounded and wears off.
`bound` keeps at most a given number of offsets (the oldest verdicts are forgotten first).
"""

from __future__ import annotations

from datetime import datetime

from dexwatch.schemas.feedback import FeedbackVerdict
from dexwatch.streams.datasets.alerting_config import FeedbackConfig
from dexwatch.streams.datasets.durations import parse_duration
from dexwatch.streams.incidents.state import TargetOffset

__all__ = ["FeedbackBook"]

_NEGLIGIBLE = 0.5  # below half a severity point an offset changes nothing: forgotten


class FeedbackBook:
    """Over `offsets` (target key -> offset), which the caller keeps as state."""

    def __init__(self, config: FeedbackConfig, offsets: dict[str, TargetOffset]) -> None:
        self.config = config
        self.offsets = offsets
        self._half_life = float(parse_duration(config.half_life))

    def offset(self, target: str, at: datetime) -> float:
        """The offset of `target` at event time `at` (0 when it has none)."""
        held = self.offsets.get(target)
        if held is None:
            return 0.0
        elapsed = max(0.0, (at - held.as_of).total_seconds())
        decay: float = 0.5 ** (elapsed / self._half_life)
        return held.offset * decay

    def apply(self, verdict: FeedbackVerdict, target: str, at: datetime) -> float:
        """Record a verdict on `target` at event time `at`; its new offset."""
        step = self.config.step if verdict == "not_relevant" else -self.config.step
        bound = float(self.config.max_offset)
        offset = min(bound, max(-bound, self.offset(target, at) + step))
        self.offsets[target] = TargetOffset(offset=offset, as_of=at)
        return offset

    def forget_negligible(self, at: datetime) -> None:
        for target in list(self.offsets):
            if abs(self.offset(target, at)) < _NEGLIGIBLE:
                del self.offsets[target]

    def bound(self, limit: int) -> int:
        """Keep the offsets of the `limit` most recent verdicts; how many were forgotten."""
        excess = len(self.offsets) - limit
        if excess <= 0:
            return 0
        oldest = sorted(self.offsets, key=lambda target: (self.offsets[target].as_of, target))
        for target in oldest[:excess]:
            del self.offsets[target]
        return excess
