"""Per series: a drift score in [0, 1] for each input measure and for the model's scores.

Each of those streams is a `DriftChannel` (see `streams.drift.channel` for the
definition of the score). The monitor fixes its measures on the first point, as
`SeriesModel` does, and saves to one compact, versioned, zlib-compressed state that composes
its channels' states. Memory per series is bounded: a few sums per channel plus ADWIN's
exponential histogram, which grows with the logarithm of the points seen.

After the worker acts on a decision (any action but "none"), it calls `rebase()`: the
current level becomes the new reference, so one drift is decided once, not on every point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

import numpy as np
import numpy.typing as npt

from dexwatch.detectors.state_codec import Scalar, decode_state, encode_state, register_kind
from dexwatch.schemas.errors import DetectorInputError, StateFormatError
from dexwatch.streams.drift.channel import DriftChannel, DriftMonitorSettings

__all__ = ["DriftMonitor", "DriftMonitorSettings", "DriftScores"]

_SCORE_ARRAY = "model_score"


@dataclass(frozen=True, slots=True)
class DriftScores:
    """The drift score of each input measure and of the model's scores, each in [0, 1]."""

    measures: Mapping[str, float]
    model_score: float = 0.0

    def highest(self) -> float:
        """The largest drift score of any channel (0.0 when there is none)."""
        return max([self.model_score, *self.measures.values()])


class DriftMonitor:
    """Drift detectors on one series' measures and on its model's scores."""

    def __init__(self, settings: DriftMonitorSettings | None = None) -> None:
        self.settings = settings if settings is not None else DriftMonitorSettings()
        self._channels: dict[str, DriftChannel] | None = None  # fixed by the first point
        self._model_score = DriftChannel(self.settings, transformed=False)

    @property
    def measures(self) -> tuple[str, ...] | None:
        """The input measures, sorted, fixed by the first point."""
        return tuple(self._channels) if self._channels is not None else None

    def update(
        self, measures: Mapping[str, float], score: float | None = None, at: float | None = None
    ) -> DriftScores:
        """Learn one point of the series (at event time `at`, Unix seconds, when known) and the
        model's score for it; the scores after it.

        Pass `score=None` while the model is warming up: its scores mean nothing yet.
        Raises `DetectorInputError` on a non-finite value or measures other than the first
        point's.
        """
        channels = self._channels_for(measures)
        for name in channels:
            _check_finite(name, measures[name])
        if score is not None:
            _check_finite("the model score", score)
        for name, channel in channels.items():
            channel.update(float(measures[name]), at)
        if score is not None:
            self._model_score.update(float(score), at)
        return self.scores()

    def scores(self) -> DriftScores:
        """The current drift scores, without learning anything."""
        channels = self._channels or {}
        return DriftScores(
            {name: channel.score() for name, channel in channels.items()},
            self._model_score.score(),
        )

    def rebase(self) -> None:
        """Forget the reference and any detection on every channel: the next points are normal."""
        for channel in (*(self._channels or {}).values(), self._model_score):
            channel.rebase()

    def _channels_for(self, measures: Mapping[str, float]) -> dict[str, DriftChannel]:
        if self._channels is None:
            if not measures:
                raise DetectorInputError("a series needs at least one measure")
            self._channels = {name: DriftChannel(self.settings) for name in sorted(measures)}
        elif measures.keys() != self._channels.keys():
            raise DetectorInputError(
                f"this series has measures {list(self._channels)}, "
                f"but the point has {sorted(measures)}"
            )
        return self._channels

    def to_state(self) -> bytes:
        """The measure names and every channel's state (each with the settings), compressed."""
        arrays = {_SCORE_ARRAY: _as_array(self._model_score.to_state())}
        for index, channel in enumerate((self._channels or {}).values()):
            arrays[f"measure.{index}"] = _as_array(channel.to_state())
        scalars: dict[str, Scalar] = {"measures": self.measures or ()}
        return encode_state(_KIND, {}, arrays, scalars, compress=True)

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        """The monitor `to_state()` saved: its next drift scores are the original's."""
        state = decode_state(data, expected_kind=_KIND)
        model_score = _channel(state.array(_SCORE_ARRAY, np.uint8))
        monitor = cls(model_score.settings)
        monitor._model_score = model_score
        names = state.names("measures")
        if names:
            monitor._channels = {
                name: _channel(state.array(f"measure.{index}", np.uint8))
                for index, name in enumerate(names)
            }
            if any(channel.settings != monitor.settings for channel in monitor._channels.values()):
                raise StateFormatError(f"{_KIND} state has channels of different settings")
        return monitor


def _check_finite(name: str, value: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise DetectorInputError(f"{name} is {value!r}: drift needs finite numbers")


def _as_array(data: bytes) -> npt.NDArray[np.uint8]:
    return np.frombuffer(data, dtype=np.uint8)


def _channel(array: npt.NDArray[np.uint8]) -> DriftChannel:
    return DriftChannel.from_state(array.tobytes())


_KIND = register_kind("drift_monitor", DriftMonitor)
