"""The last N points of one series: what a retrain rebuilds the model from.

Retraining on recent data only is the point: after a drift, older points describe a series
that no longer exists. The buffer is bounded (a ring of `capacity` points), fixes its measures
on the first point, and saves to the versioned state format like every model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import numpy as np
import numpy.typing as npt

from dexwatch.detectors.state_codec import Scalar, decode_state, encode_state, register_kind
from dexwatch.schemas.errors import DetectorInputError, StateFormatError

__all__ = ["RecentPoints"]


class RecentPoints:
    """A ring of `(measures, Unix seconds)`, oldest first, at most `capacity` long.

    Held in two numpy arrays (8 bytes per measure and point, plus 8 for the time), allocated
    by the first point: a worker keeps one per series.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self.measures: tuple[str, ...] | None = None  # sorted, fixed by the first point
        self._times = np.zeros(0)
        self._values = np.zeros((0, 0))
        self._filled = 0
        self._next = 0

    def __len__(self) -> int:
        return self._filled

    def append(self, measures: Mapping[str, float], at: float) -> None:
        """Keep a point, dropping the oldest when full."""
        names = self.measures
        if names is None:
            names = self._fix(tuple(sorted(measures)))
        elif measures.keys() != set(names):
            raise DetectorInputError(
                f"this series has measures {list(names)}, but the point has {sorted(measures)}"
            )
        self._times[self._next] = at
        self._values[self._next] = [measures[name] for name in names]
        self._next = (self._next + 1) % self.capacity
        self._filled = min(self._filled + 1, self.capacity)

    def _fix(self, names: tuple[str, ...]) -> tuple[str, ...]:
        self.measures = names
        self._times = np.zeros(self.capacity)
        self._values = np.zeros((self.capacity, len(names)))
        return names

    def arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Copies of the kept times and values (columns in `measures` order), oldest first."""
        if self._filled < self.capacity:
            return self._times[: self._filled].copy(), self._values[: self._filled].copy()
        order = np.roll(np.arange(self.capacity), -self._next)
        return self._times[order], self._values[order]

    def points(self) -> list[tuple[dict[str, float], float]]:
        """The kept points, oldest first, in the form `SeriesModel.process_points` takes."""
        names = self.measures or ()
        times, values = self.arrays()
        return [
            (dict(zip(names, row, strict=True)), at)
            for row, at in zip(values.tolist(), times.tolist(), strict=True)
        ]

    def clear(self) -> None:
        self._filled = self._next = 0

    def to_state(self) -> bytes:
        names = self.measures or ()
        times, values = self.arrays()
        arrays = {"values": values.reshape(len(times), len(names)), "times": times}
        scalars: dict[str, Scalar] = {"measures": names, "known": self.measures is not None}
        return encode_state(_KIND, {"capacity": self.capacity}, arrays, scalars)

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        state = decode_state(data, expected_kind=_KIND)
        capacity = state.params.get("capacity")
        if type(capacity) is not int or capacity < 1:
            raise StateFormatError(f"{_KIND} state has an invalid capacity {capacity!r}")
        buffer = cls(capacity)
        names = state.names("measures")
        times = state.array("times", np.float64)
        values = state.array("values", np.float64, (len(times), len(names)))
        if len(times) > capacity:
            raise StateFormatError(f"{_KIND} state holds more points than its capacity")
        if state.scalar("known", bool):
            buffer._fix(names)
            for row, at in zip(values.tolist(), times.tolist(), strict=True):
                buffer.append(dict(zip(names, row, strict=True)), at)
        return buffer


_KIND = register_kind("recent_points", RecentPoints)
