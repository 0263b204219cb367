"""The mean of a stream over the last stretch of event time, in fixed memory.

The stretch is kept as `BUCKETS` buckets of equal time, each a sum and a count: a minute
series' last day costs 48 floats, not 1,440 values. The mean covers between `BUCKETS - 1`
and `BUCKETS` buckets' worth of time (the current bucket is partly filled).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["BUCKETS", "RollingWindow"]

BUCKETS = 24


class RollingWindow:
    """Sums and counts of values over the last `seconds` of event time."""

    __slots__ = ("_current", "_sums", "_width", "started")

    def __init__(self, seconds: float) -> None:
        self._width = seconds / BUCKETS
        self._sums: npt.NDArray[np.float64] = np.zeros((BUCKETS, 2))
        self._current = 0
        self.started = math.nan  # the current bucket's start (Unix seconds), NaN when empty

    def add(self, value: float, at: float) -> None:
        if math.isnan(self.started):
            self.started = at
        elif at >= self.started + self._width:
            steps = int((at - self.started) // self._width)
            for _ in range(min(steps, BUCKETS)):
                self._current = (self._current + 1) % BUCKETS
                self._sums[self._current] = 0.0
            self.started += steps * self._width
        self._sums[self._current, 0] += value
        self._sums[self._current, 1] += 1.0

    @property
    def count(self) -> int:
        return int(self._sums[:, 1].sum())

    @property
    def filled(self) -> int:
        """Buckets holding a value: the window's effective sample size, as neighbouring values
        of a series are not independent (a bucket's mean is taken as one observation)."""
        return int(np.count_nonzero(self._sums[:, 1]))

    def mean(self) -> float:
        count = self._sums[:, 1].sum()
        return float(self._sums[:, 0].sum() / count) if count else 0.0

    def to_array(self) -> npt.NDArray[np.float64]:
        """Its state: the buckets, then the current bucket's index and start."""
        return np.concatenate([self._sums.ravel(), [float(self._current), self.started]])

    @classmethod
    def from_array(cls, seconds: float, array: npt.NDArray[np.float64]) -> RollingWindow:
        window = cls(seconds)
        if array.shape != (2 * BUCKETS + 2,):
            raise ValueError(f"a rolling window holds {2 * BUCKETS + 2} floats, not {array.shape}")
        window._sums = array[: 2 * BUCKETS].reshape(BUCKETS, 2).copy()
        window._current = int(array[2 * BUCKETS])
        window.started = float(array[2 * BUCKETS + 1])
        return window
