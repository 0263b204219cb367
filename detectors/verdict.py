"""What a series model says about one point: a score, a severity, and the measures that moved."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MeasureMove", "Verdict"]


@dataclass(frozen=True, slots=True)
class MeasureMove:
    measure: str
    value: float
    expected_low: float
    expected_high: float
    deviation: float
    view: str = "level"


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float
    severity: int
    is_anomaly: bool
    warming_up: bool
    moves: tuple[MeasureMove, ...]
    after_gap: bool = False

    def explain(self) -> str:
        """A short plain explanation, e.g. `volume_usd 8.4k above 0.2k..2.8k (level, +5.2 sd)`."""
        if self.warming_up:
            return "warming up"
        if not self.moves:
            return "normal"
        return "; ".join(
            f"{move.measure} {move.value:.4g} "
            f"{'above' if move.deviation > 0 else 'below'} "
            f"{move.expected_low:.4g}..{move.expected_high:.4g} "
            f"({move.view}, {move.deviation:+.1f} sd)"
            for move in self.moves
        )
