"""The last N points of one series: what a retrain rebuilds the model from.

Retraining on recent data only is the point: after a drift, older points describe a series
that no longer exists. The buffer is bounded (a ring of `capacity` points), fixes its measures
on the first point, and saves to the versioned state format like every model.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Self

import numpy as np

from detectors.state_codec import Scalar, decode_state, encode_state, register_kind
from schemas.errors import DetectorInputError, StateFormatError

__all__ = ["RecentPoints"]


class RecentPoints:
    """A ring buffer of `(measures, Unix seconds)`, oldest first, at most `capacity` long."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self.measures: tuple[str, ...] | None = None  # sorted, fixed by the first point
        self._rows: deque[tuple[tuple[float, ...], float]] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._rows)

    def append(self, measures: Mapping[str, float], at: float) -> None:
        """Keep a point, dropping the oldest when full."""
        if self.measures is None:
            self.measures = tuple(sorted(measures))
        elif measures.keys() != set(self.measures):
            raise DetectorInputError(
                f"this series has measures {list(self.measures)}, "
                f"but the point has {sorted(measures)}"
            )
        self._rows.append((tuple(float(measures[name]) for name in self.measures), float(at)))

    def points(self) -> list[tuple[dict[str, float], float]]:
        """The kept points, oldest first, in the form `SeriesModel.process_points` takes."""
        names = self.measures or ()
        return [(dict(zip(names, values, strict=True)), at) for values, at in self._rows]

    def clear(self) -> None:
        self._rows.clear()

    def to_state(self) -> bytes:
        names = self.measures or ()
        values = np.array([values for values, _ in self._rows], dtype=np.float64)
        arrays = {
            "values": values.reshape(len(self._rows), len(names)),
            "times": np.array([at for _, at in self._rows], dtype=np.float64),
        }
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
        buffer.measures = names if state.scalar("known", bool) else None
        for row, at in zip(values.tolist(), times.tolist(), strict=True):
            buffer._rows.append((tuple(row), at))
        return buffer


_KIND = register_kind("recent_points", RecentPoints)
