"""An expected value and spread for each time-of-day slot: the daily shape of a series."""

from __future__ import annotations

import math
from array import array
from datetime import datetime

__all__ = ["SeasonalProfile"]


class SeasonalProfile:
    """Exponentially weighted mean and variance per slot of the day (`slots_per_day` slots).

    Slots are fixed in time (e.g. 96 slots: 15 minutes each), so gaps in the data do not
    shift them. A weekly profile was tried and made NAB worse: series without a weekly
    cycle lose half of each slot's data to it.
    """

    def __init__(self, slots_per_day: int = 96, span: int = 20) -> None:
        self.slots_per_day = slots_per_day
        self.span = span
        self._alpha = 2.0 / (span + 1)
        self._mean = array("d", [0.0] * slots_per_day)
        self._variance = array("d", [0.0] * slots_per_day)
        self._seen = array("I", [0] * slots_per_day)

    def slot(self, at: datetime) -> int:
        seconds = at.hour * 3600 + at.minute * 60 + at.second
        return seconds * self.slots_per_day // 86400

    def band(self, slot: int, min_points: int = 1) -> tuple[float, float] | None:
        """(mean, standard deviation) of the slot, or None before it has seen `min_points`."""
        if self._seen[slot] < max(min_points, 1):
            return None
        return self._mean[slot], math.sqrt(self._variance[slot])

    def learn(self, slot: int, value: float) -> None:
        if self._seen[slot] == 0:
            self._mean[slot] = value
        else:
            difference = value - self._mean[slot]
            increment = self._alpha * difference
            self._mean[slot] += increment
            self._variance[slot] = (1 - self._alpha) * (
                self._variance[slot] + difference * increment
            )
        self._seen[slot] = min(self._seen[slot] + 1, 2**32 - 1)
