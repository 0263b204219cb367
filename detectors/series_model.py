"""Everything one series needs: per-measure surprise, calibration to records, the verdict."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from detectors.measure_surprise import MeasureSurprise, Surprise, SurpriseSettings
from detectors.signed_log import signed_log, signed_log_inverse
from schemas.errors import DetectorInputError

__all__ = ["DETECTOR_VERSION", "MeasureMove", "SeriesModel", "SeriesModelSettings", "Verdict"]

DETECTOR_VERSION = "surprise-records-1"


class SeriesModelSettings(BaseModel):
    """How each series is modelled and when it alerts (defaults: tuned on NAB, one set)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warmup: int = Field(
        default=600,
        ge=1,
        le=100_000,
        description="Points before any verdict: about two days at 5-minute steps, so the daily "
        "profile has been seen (NAB ignores its first 15% of each file, up to 750 rows).",
    )
    transform: Literal["signed_log", "none"] = Field(
        default="signed_log", description="Applied to measures first; heavy tails get tamer."
    )
    level_span: int = Field(default=150, ge=2, description="Points in the level's memory.")
    smooth_points: int = Field(default=6, ge=1, le=1000)
    slots_per_day: int = Field(default=96, ge=1, le=1440, description="Time-of-day slots.")
    season_span: int = Field(default=20, ge=2, description="Days in a slot's memory.")
    record_block: int = Field(default=250, ge=1, description="Records kept per block of points.")
    record_blocks: int = Field(default=6, ge=1, le=1000, description="Blocks a record lasts.")
    alert_threshold: float = Field(
        default=0.6, gt=0.0, lt=1.0, description="Alert at this score (0.5 = the record)."
    )
    band_width: float = Field(default=3.0, gt=0.0, description="Half-width of bands, in sd.")
    gap_factor: float = Field(
        default=3.0, gt=1.0, description="A step longer than this many usual steps is a gap."
    )
    ratios: tuple[tuple[str, str], ...] = Field(
        default=(), description="Derived measures numerator/denominator, e.g. volume/TVL."
    )
    max_contributions: int = Field(default=3, ge=1)

    def surprise_settings(self) -> SurpriseSettings:
        return SurpriseSettings(
            level_span=self.level_span,
            smooth_points=self.smooth_points,
            slots_per_day=self.slots_per_day,
            season_span=self.season_span,
            record_block=self.record_block,
            record_blocks=self.record_blocks,
            band_width=self.band_width,
        )


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


class SeriesModel:
    """Scores each point of one series against what it has learnt, then learns the point."""

    def __init__(self, settings: SeriesModelSettings) -> None:
        self.settings = settings
        self._measures: dict[str, MeasureSurprise] = {}
        self._last_at: datetime | None = None
        self._usual_step_s: float | None = None
        self.points_seen = 0

    def process(self, measures: Mapping[str, float], at: datetime) -> Verdict:
        """Score the point observed at `at` (event time) against the past, then learn it."""
        values = self._values(measures)
        after_gap = self._note_time(at)
        judge = self.points_seen >= self.settings.warmup
        surprises: list[tuple[str, Surprise]] = []
        for name, value in values.items():
            state = self._measures[name]
            for surprise in state.observe(self._forward(value), at, after_gap, judge):
                surprises.append((name, surprise))
        self.points_seen += 1
        if not judge:
            return Verdict(0.0, 0, False, True, (), after_gap)
        largest = max((surprise.ratio for _, surprise in surprises), default=0.0)
        score = largest / (1.0 + largest)
        is_anomaly = score >= self.settings.alert_threshold
        return Verdict(
            score=score,
            severity=min(100, round(100 * score)),
            is_anomaly=is_anomaly,
            warming_up=False,
            moves=self._moves(values, surprises) if is_anomaly else (),
            after_gap=after_gap,
        )

    def _values(self, measures: Mapping[str, float]) -> dict[str, float]:
        values = dict(measures)
        for numerator, denominator in self.settings.ratios:
            if numerator in measures and denominator in measures and measures[denominator] != 0:
                values[f"{numerator}/{denominator}"] = measures[numerator] / measures[denominator]
        for name, value in values.items():
            if not math.isfinite(value):
                raise DetectorInputError(f"measure {name!r} is {value}: only finite numbers")
        if not self._measures:
            settings = self.settings.surprise_settings()
            self._measures = {name: MeasureSurprise(settings) for name in sorted(values)}
        elif values.keys() != self._measures.keys():
            raise DetectorInputError(
                f"this series has measures {sorted(self._measures)}, "
                f"but the event has {sorted(values)}"
            )
        return values

    def _note_time(self, at: datetime) -> bool:
        """Track the usual step between points; True when this point follows a gap."""
        after_gap = False
        if self._last_at is not None:
            step = (at - self._last_at).total_seconds()
            if step > 0:
                usual = self._usual_step_s
                after_gap = usual is not None and step > self.settings.gap_factor * usual
                # A slowly moving usual step; gaps themselves do not stretch it.
                if usual is None:
                    self._usual_step_s = step
                elif not after_gap:
                    self._usual_step_s = usual + 0.05 * (step - usual)
        self._last_at = at
        return after_gap

    def _forward(self, value: float) -> float:
        return signed_log(value) if self.settings.transform == "signed_log" else value

    def _backward(self, value: float) -> float:
        return signed_log_inverse(value) if self.settings.transform == "signed_log" else value

    def _moves(
        self, values: Mapping[str, float], surprises: list[tuple[str, Surprise]]
    ) -> tuple[MeasureMove, ...]:
        ranked = sorted(surprises, key=lambda item: -item[1].ratio)
        chosen: list[MeasureMove] = []
        for name, surprise in ranked:
            if any(move.measure == name for move in chosen):
                continue  # one line per measure: its most surprising view
            if chosen and surprise.ratio < 1.0:
                break  # beyond the first, only views that set a record
            chosen.append(
                MeasureMove(
                    measure=name,
                    value=values[name],
                    expected_low=self._backward(surprise.expected_low),
                    expected_high=self._backward(surprise.expected_high),
                    deviation=surprise.deviation,
                    view=surprise.component,
                )
            )
            if len(chosen) == self.settings.max_contributions:
                break
        return tuple(chosen)
