"""Everything one series needs: a detector, an expected band per measure, and the verdict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detectors.expected_band import BandPosition, ExpectedBand
from detectors.half_space_trees import HalfSpaceTreesDetector
from detectors.score_calibrator import ScoreCalibrator
from detectors.signed_log import signed_log, signed_log_inverse
from schemas.errors import DetectorInputError

__all__ = ["DETECTOR_VERSION", "MeasureMove", "SeriesModel", "SeriesModelSettings", "Verdict"]

DETECTOR_VERSION = "hst-calibrated-band-1"


class SeriesModelSettings(BaseModel):
    """How each series is modelled and when it alerts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_trees: int = Field(default=10, ge=1, le=100)
    height: int = Field(default=8, ge=2, le=16)
    window_size: int = Field(default=250, ge=10, le=10_000)
    warmup: int = Field(default=250, ge=10, le=100_000, description="Points before the trees.")
    calibration_window: int = Field(default=500, ge=10, description="Recent scores ranked.")
    calibration_min_history: int = Field(default=100, ge=1, description="Scores before a verdict.")
    tail_quantile: float = Field(
        default=0.99, gt=0.0, lt=1.0, description="Alert when the score outranks this share."
    )
    min_deviation: float = Field(
        default=4.0, gt=0.0, description="...and a measure is this many sd off its band."
    )
    band_span: int = Field(default=100, ge=2)
    band_width: float = Field(default=3.0, gt=0.0, description="Half-width of the band, in sd.")
    max_contributions: int = Field(default=3, ge=1)
    seed: int = 42

    @model_validator(mode="after")
    def _warmup_fills_a_window(self) -> SeriesModelSettings:
        if self.warmup < self.window_size:
            raise ValueError("warmup must be at least window_size")
        return self


@dataclass(frozen=True, slots=True)
class MeasureMove:
    measure: str
    value: float
    expected_low: float
    expected_high: float
    deviation: float


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float
    severity: int
    is_anomaly: bool
    warming_up: bool
    moves: tuple[MeasureMove, ...]

    def explain(self) -> str:
        """A short plain explanation, e.g. `volume_usd 8.4k above 0.2k-2.8k (+5.2 sd)`."""
        if self.warming_up:
            return "warming up"
        if not self.moves:
            return "normal"
        return "; ".join(
            f"{move.measure} {move.value:.4g} "
            f"{'above' if move.deviation > 0 else 'below'} "
            f"{move.expected_low:.4g}..{move.expected_high:.4g} ({move.deviation:+.1f} sd)"
            for move in self.moves
        )


class SeriesModel:
    """Scores each point of one series against what it has learnt, then learns the point."""

    def __init__(self, settings: SeriesModelSettings) -> None:
        self.settings = settings
        self._detector = HalfSpaceTreesDetector(
            n_trees=settings.n_trees,
            height=settings.height,
            window_size=settings.window_size,
            warmup=settings.warmup,
            seed=settings.seed,
        )
        self._calibrator = ScoreCalibrator(
            settings.calibration_window, settings.calibration_min_history
        )
        self._bands: dict[str, ExpectedBand] = {}
        self.points_seen = 0

    def process(self, measures: Mapping[str, float], at: datetime) -> Verdict:
        """Score the point observed at `at` (event time) against the past, then learn it."""
        features = self._features(measures)
        raw = self._detector.score_one(features)
        positions = {name: band.position(features[name]) for name, band in self._bands.items()}
        warming_up = raw.warming_up or not self._calibrator.ready
        tail = 0.0 if raw.warming_up else self._calibrator.tail(raw.value)
        largest = max(abs(position.deviation) for position in positions.values())
        # Two views must agree: the trees find the point rare for this series, and at least
        # one measure is far outside its own band (which also names what moved).
        is_anomaly = (
            not warming_up
            and tail >= self.settings.tail_quantile
            and largest >= self.settings.min_deviation
        )
        self._learn(features, raw.warming_up, raw.value)
        return Verdict(
            score=tail,
            # Provisional: grows with the largest deviation, 50 at 4 sd, 100 from 8 sd.
            severity=min(100, round(12.5 * largest * tail)),
            is_anomaly=is_anomaly,
            warming_up=warming_up,
            moves=self._moves(measures, positions) if is_anomaly else (),
        )

    def _learn(self, features: Mapping[str, float], warming_up: bool, raw: float) -> None:
        self._detector.learn_one(features)
        if not warming_up:
            self._calibrator.learn(raw)
        for name, band in self._bands.items():
            band.learn(features[name])
        self.points_seen += 1

    def _features(self, measures: Mapping[str, float]) -> dict[str, float]:
        if not self._bands:
            self._bands = {
                name: ExpectedBand(self.settings.band_span, self.settings.band_width)
                for name in sorted(measures)
            }
        elif measures.keys() != self._bands.keys():
            raise DetectorInputError(
                f"this series has measures {sorted(self._bands)}, "
                f"but the event has {sorted(measures)}"
            )
        return {name: signed_log(value) for name, value in measures.items()}

    def _moves(
        self, measures: Mapping[str, float], positions: Mapping[str, BandPosition]
    ) -> tuple[MeasureMove, ...]:
        ranked = sorted(positions.items(), key=lambda item: -abs(item[1].deviation))
        outside = [item for item in ranked if abs(item[1].deviation) >= self.settings.band_width]
        chosen = (outside or ranked[:1])[: self.settings.max_contributions]
        return tuple(
            MeasureMove(
                measure=name,
                value=measures[name],
                expected_low=signed_log_inverse(position.low),
                expected_high=signed_log_inverse(position.high),
                deviation=position.deviation,
            )
            for name, position in chosen
        )
