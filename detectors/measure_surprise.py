"""How surprising one measure's new value is, seen four ways, each against its own record.

The four views (the engineered features of a measure):
- level: the value against its recent mean and spread;
- change: the step from the previous value against recent steps (not across a data gap);
- smoothed: the mean of the last few values against its slower mean (gradual shifts);
- time of day: the value against what this slot of the day usually holds.

Each view gives |z|, and |z| is divided by the largest |z| that view produced over the last
~1,500 points. A ratio above 1 is a new record: what has not happened in a long while. That
is the calibration: a noisy series and a quiet one both alert on their own records, which is
what lets one threshold serve every series (NAB: 18 files, one parameter set).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from detectors.expected_band import ExpectedBand
from detectors.seasonal_profile import SeasonalProfile
from detectors.sliding_maximum import SlidingMaximum

__all__ = ["COMPONENTS", "MeasureSurprise", "Surprise", "SurpriseSettings"]

COMPONENTS = ("level", "change", "smoothed", "time_of_day")


@dataclass(frozen=True, slots=True)
class SurpriseSettings:
    level_span: int = 150
    smooth_points: int = 6
    slots_per_day: int = 96
    season_span: int = 20
    record_block: int = 250
    record_blocks: int = 6
    band_width: float = 3.0
    min_slot_points: int = 2
    slot_spread_floor: float = 0.25


@dataclass(frozen=True, slots=True)
class Surprise:
    """One view of one value: its ratio to the view's record, and the band it was expected in.

    `expected_low`/`expected_high`/`deviation` are in the transformed space (e.g. signed log).
    """

    component: str
    ratio: float
    expected_low: float
    expected_high: float
    deviation: float


class MeasureSurprise:
    """Per-measure state: three bands, a daily profile, a short memory, four records."""

    def __init__(self, settings: SurpriseSettings) -> None:
        self.settings = settings
        self._level = ExpectedBand(settings.level_span, settings.band_width)
        self._change = ExpectedBand(settings.level_span, settings.band_width)
        self._smoothed = ExpectedBand(settings.level_span * 4, settings.band_width)
        self._profile = SeasonalProfile(settings.slots_per_day, settings.season_span)
        self._recent: deque[float] = deque(maxlen=settings.smooth_points)
        self._records = {
            name: SlidingMaximum(settings.record_block, settings.record_blocks)
            for name in COMPONENTS
        }
        self._previous: float | None = None

    def observe(self, value: float, at: datetime, after_gap: bool, judge: bool) -> list[Surprise]:
        """Score `value` against the past (when `judge`), then learn it."""
        views: list[Surprise] = []
        width = self.settings.band_width
        level = self._level.position(value)
        views.append(Surprise("level", 0.0, level.low, level.high, level.deviation))
        if self._previous is not None and not after_gap:
            step = self._change.position(value - self._previous)
            views.append(
                Surprise(
                    "change",
                    0.0,
                    self._previous + step.low,
                    self._previous + step.high,
                    step.deviation,
                )
            )
        self._recent.append(value)
        smoothed_value = sum(self._recent) / len(self._recent)
        smoothed = self._smoothed.position(smoothed_value)
        views.append(Surprise("smoothed", 0.0, smoothed.low, smoothed.high, smoothed.deviation))
        slot = self._profile.slot(at)
        band = self._profile.band(slot, self.settings.min_slot_points)
        if band is not None:
            mean, slot_spread = band
            # A slot that has seen a few values cannot claim more certainty than a fraction
            # of the measure's overall spread: two close values are not a zero-width band.
            overall = (level.high - level.low) / (2 * width)
            spread = max(slot_spread, self.settings.slot_spread_floor * overall)
            deviation = (value - mean) / spread if spread > 0 else 0.0
            views.append(
                Surprise(
                    "time_of_day", 0.0, mean - width * spread, mean + width * spread, deviation
                )
            )
        judged = []
        for view in views:
            record = self._records[view.component]
            size = abs(view.deviation)
            if judge:
                ratio = size / max(record.value, 1.0)
                judged.append(
                    Surprise(
                        view.component, ratio, view.expected_low, view.expected_high, view.deviation
                    )
                )
            # Records learn during the warm-up too: the first verdicts need a record to beat.
            record.learn(size)
        self._learn(value, smoothed_value, slot, after_gap)
        return judged

    def _learn(self, value: float, smoothed_value: float, slot: int, after_gap: bool) -> None:
        self._level.learn(value)
        if self._previous is not None and not after_gap:
            self._change.learn(value - self._previous)
        self._smoothed.learn(smoothed_value)
        self._profile.learn(slot, value)
        self._previous = value
