"""The last few values of a measure, kept both in arrival order and sorted, in fixed memory."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["RecentWindow"]


class RecentWindow:
    """The last `size` values: a ring buffer, plus the same values sorted for quantiles.

    Two float64 arrays of `size`, allocated once. `push` keeps the sorted copy sorted by
    moving the values between the one that leaves and the one that enters (a memmove), so a
    quantile is a lookup; the mean and spread are taken over the sorted copy, whose order
    (unlike the ring's) does not depend on where the ring started, so a window restored from
    its values computes bit-identical statistics.
    """

    __slots__ = ("_count", "_next", "_ring", "_sorted", "size")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a window holds at least one value, got size {size}")
        self.size = size
        self._ring = np.zeros(size, dtype=np.float64)
        self._sorted = np.zeros(size, dtype=np.float64)
        self._next = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def push(self, value: float) -> None:
        """Add `value`, dropping the oldest value once the window is full."""
        ordered = self._sorted
        count = self._count
        if count < self.size:
            at = int(np.searchsorted(ordered[:count], value))
            ordered[at + 1 : count + 1] = ordered[at:count]
            ordered[at] = value
            self._count = count + 1
        else:
            leaving = int(np.searchsorted(ordered, self._ring[self._next]))
            at = int(np.searchsorted(ordered, value))
            if at <= leaving:
                ordered[at + 1 : leaving + 1] = ordered[at:leaving]
                ordered[at] = value
            else:
                ordered[leaving : at - 1] = ordered[leaving + 1 : at]
                ordered[at - 1] = value
        self._ring[self._next] = value
        self._next = (self._next + 1) % self.size

    def quantile(self, q: float) -> float:
        """The `q` quantile (0 <= q <= 1), interpolated linearly as numpy's default method."""
        if not self._count:
            raise ValueError("an empty window has no quantiles")
        position = q * (self._count - 1)
        below = int(position)
        above = min(below + 1, self._count - 1)
        low, high = float(self._sorted[below]), float(self._sorted[above])
        return low + (high - low) * (position - below)

    def mean_and_std(self) -> tuple[float, float]:
        """The mean and the population standard deviation (0.0 for a single value)."""
        if not self._count:
            raise ValueError("an empty window has no mean")
        active = self._sorted[: self._count]
        mean = float(active.sum()) / self._count
        squares = np.square(active - mean)
        return mean, math.sqrt(float(squares.sum()) / self._count)

    def values(self) -> npt.NDArray[np.float64]:
        """The values, oldest first (a copy)."""
        if self._count < self.size:
            return self._ring[: self._count].copy()
        return np.concatenate((self._ring[self._next :], self._ring[: self._next]))

    @classmethod
    def from_values(cls, size: int, values: npt.NDArray[np.float64]) -> RecentWindow:
        """The window that pushing `values` (oldest first, at most `size`) would have left."""
        if values.ndim != 1 or len(values) > size:
            raise ValueError(f"a window of {size} cannot hold {values.shape} values")
        window = cls(size)
        count = len(values)
        window._ring[:count] = values
        window._sorted[:count] = np.sort(values)
        window._count = count
        window._next = count % size
        return window
