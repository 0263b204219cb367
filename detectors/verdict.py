"""What a series model says about one point: a score, a severity, and the measures that moved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["MeasureMove", "Verdict", "distinct_figures"]

_VIEW_VALUES = {"smoothed": "recent mean "}


@dataclass(frozen=True, slots=True)
class MeasureMove:
    """One measure against the band one view expected it in, all in the measure's own units.

    `value` is what the view judged: the point's value, or for `smoothed` the mean of the last
    few values. `deviation` is in the view's sd (of the transformed measure).
    """

    measure: str
    value: float
    expected_low: float
    expected_high: float
    deviation: float
    view: str = "level"
    by_rule: bool = False  # `view` names a rule of the dataset; `deviation` is its signed score

    @property
    def direction(self) -> Literal["above", "below", "within"]:
        """Where the value lies against the band: only a value outside it is above or below."""
        if self.value > self.expected_high:
            return "above"
        if self.value < self.expected_low:
            return "below"
        return "within"

    def explain(self) -> str:
        """E.g. `volume_usd 8400 above 200..2800 (level, +5.2 sd)`; from a rule
        `price 0.985 below 0.99..1.01 (threshold)`."""
        value, low, high = distinct_figures(self.value, self.expected_low, self.expected_high)
        if self.by_rule:
            return f"{self.measure} {value} {self.direction} {low}..{high} ({self.view})"
        what = _VIEW_VALUES.get(self.view, "")
        return (
            f"{self.measure} {what}{value} {self.direction} {low}..{high} "
            f"({self.view}, {self.deviation:+.1f} sd)"
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float
    severity: int
    is_anomaly: bool
    warming_up: bool
    moves: tuple[MeasureMove, ...]
    after_gap: bool = False

    def explain(self) -> str:
        """A short plain explanation: each moved measure against its band (`MeasureMove`)."""
        if self.warming_up:
            return "warming up"
        if not self.moves:
            return "normal"
        return "; ".join(move.explain() for move in self.moves)


def distinct_figures(value: float, low: float, high: float) -> tuple[str, str, str]:
    """The three numbers with 4 significant figures, or as many more as it takes (up to 12)
    for a value outside the band to read differently from the edge it passed: never
    `1.001 above 1.001..1.001`."""
    for digits in range(4, 13):
        texts = tuple(f"{number:.{digits}g}" for number in (value, low, high))
        outside = value > high or value < low
        if not outside or (texts[0] != texts[1] and texts[0] != texts[2]):
            break
    return texts[0], texts[1], texts[2]
