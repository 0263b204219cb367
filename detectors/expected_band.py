"""An exponentially weighted mean and spread per measure: the band a value is expected in."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["BandPosition", "ExpectedBand"]


@dataclass(frozen=True, slots=True)
class BandPosition:
    low: float
    high: float
    deviation: float  # signed distance from the centre, in standard deviations


class ExpectedBand:
    """Tracks mean and variance with weight `2 / (span + 1)`; the band is mean ± `width` sd."""

    def __init__(self, span: int = 100, width: float = 3.0, min_points: int = 20) -> None:
        self.span = span
        self.width = width
        self.min_points = min_points
        self._seen = 0
        self._alpha = 2.0 / (span + 1)
        self._mean: float | None = None
        self._variance = 0.0

    def position(self, value: float) -> BandPosition:
        """Where `value` stands against the band learnt so far (before learning it).

        A band that has seen fewer than `min_points` values says nothing (deviation 0): its
        spread is still too young to divide by.
        """
        if self._mean is None:
            return BandPosition(value, value, 0.0)
        if self._seen < self.min_points:
            return BandPosition(self._mean, self._mean, 0.0)
        spread = math.sqrt(self._variance)
        deviation = (value - self._mean) / spread if spread > 0 else 0.0
        return BandPosition(
            self._mean - self.width * spread, self._mean + self.width * spread, deviation
        )

    def learn(self, value: float) -> None:
        self._seen += 1
        if self._mean is None:
            self._mean = value
            return
        difference = value - self._mean
        increment = self._alpha * difference
        self._mean += increment
        self._variance = (1 - self._alpha) * (self._variance + difference * increment)
