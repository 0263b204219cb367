"""Drift on one stream of numbers (a measure, or a model's scores) as a score in [0, 1].

Drift is a lasting change of level, not one odd point, so the score asks two things: did a
drift detector (ADWIN or Page-Hinkley) fire, and how large is the shift it found, measured in
the spread of a reference period. The definition, step by step:

1. **Reference.** The first `reference_points` values after a (re)start, and at least
   `reference_hours` of them in event time, fix a mean `m` and a standard deviation `s`
   (Welford; `s` has a small floor so a constant series still works). Until then the channel is
   warming up and scores 0. A day by default: a reference of 100 minutes of a minute series, or
   of one part of a daily cycle, makes the rest of the day look like a new level.
2. **Detectors.** Each later value is standardised, `z = (x - m) / s`, clipped to
   `+-clip_sd` (one wild point must not look like a new level), and fed to ADWIN and to
   Page-Hinkley (with `delta` and `threshold` in sd units, tuned quiet; see
   `detectors/page_hinkley_drift.py`).
3. **Shift.** From the latest detection on, the channel averages the clipped `z` values. The
   shift is the part of that average it is sure of: `|mean z| - confidence_z * se`, with
   `se = sqrt(1 / n_after + 1 / n_reference)`, floored at 0.
   With event times (and `settle_hours` > 0) the average is instead over the last
   `settle_hours` (a day by default), once that long has passed since the first detection, and
   `n_after` counts its hourly buckets, not its points (neighbouring points are not
   independent; a minute series' day is not 1,440 observations of its level): a
   drift is a level that lasts, and a day's mean is the level of a daily cycle, not its peak
   (on a cycle the detectors fire every few hours; measured from each detection, the cycle's
   peaks would pass for new levels).
4. **Score.** `0` with no detection yet, or fewer than `settle_points` values after the latest
   one; otherwise `1 - 2 ** (-shift / shift_at_half)`: 0.5 at a shift of `shift_at_half` sd
   (2 by default), about 0.65 at 3 sd, 0.75 at 4 sd, never 1.

A stationary stream scores 0 (nothing fires; a rare false alarm finds no sure shift); a level
shift of several sd scores above 0.5 some `settle_points` values after a detector catches it.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from dexwatch.detectors.adwin_drift import AdwinDriftDetector
from dexwatch.detectors.page_hinkley_drift import PageHinkleyDriftDetector
from dexwatch.detectors.signed_log import signed_log
from dexwatch.detectors.state_codec import Scalar, decode_state, encode_state, register_kind
from dexwatch.schemas.errors import StateFormatError
from dexwatch.streams.drift.rolling_window import RollingWindow

__all__ = ["DriftChannel", "DriftMonitorSettings"]

_FEATURE = "z"
_SD_FLOOR_RELATIVE = 1e-9  # of |reference mean|: below this the reference spread is noise
_SD_FLOOR_ABSOLUTE = 1e-12


class DriftMonitorSettings(BaseModel):
    """How drift is measured on each channel (defaults: quiet on noise, several sd is > 0.5)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    transform: Literal["signed_log", "none"] = Field(
        default="signed_log",
        description="Applied to measures first, as the series model does (not to scores).",
    )
    reference_points: int = Field(
        default=100, ge=10, le=100_000, description="Values that fix the reference mean and sd."
    )
    settle_points: int = Field(
        default=20, ge=1, le=10_000, description="Values after a detection before it is scored."
    )
    reference_hours: float = Field(
        default=24.0,
        ge=0.0,
        le=24.0 * 365,
        description="The reference also spans at least this much event time (0: points only): "
        "it must hold the series' daily cycle and usual wander.",
    )
    settle_hours: float = Field(
        default=24.0,
        ge=0.0,
        le=24.0 * 365,
        description="With event times, the shift is the mean of the last this-many hours, "
        "scored once this long has passed since the first detection (0: the mean since the "
        "latest detection, as without times): a drift is a level that lasts whole days.",
    )
    shift_at_half: float = Field(
        default=2.0, gt=0.0, le=100.0, description="The sure shift, in sd, that scores 0.5."
    )
    confidence_z: float = Field(
        default=2.0, ge=0.0, le=10.0, description="Standard errors taken off the shift."
    )
    clip_sd: float = Field(
        default=8.0, gt=0.0, le=1000.0, description="Standardised values are clipped to this."
    )
    adwin_delta: float = Field(default=0.002, gt=0.0, lt=1.0)
    page_hinkley_delta: float = Field(default=0.5, ge=0.0, description="In sd units.")
    page_hinkley_threshold: float = Field(default=25.0, gt=0.0, description="In sd units.")


class DriftChannel:
    """The reference, the two detectors and the running mean after the latest detection."""

    __slots__ = (
        "_adwin",
        "_after_n",
        "_after_since",
        "_after_sum",
        "_last_at",
        "_page_hinkley",
        "_ref_m2",
        "_ref_mean",
        "_ref_n",
        "_ref_since",
        "_window",
        "detections",
        "settings",
        "transformed",
    )

    def __init__(self, settings: DriftMonitorSettings, transformed: bool = True) -> None:
        self.settings = settings
        self.transformed = transformed and settings.transform == "signed_log"
        self._reset()

    def _reset(self) -> None:
        settings = self.settings
        self.detections = 0  # since the reference was fixed
        self._ref_n, self._ref_mean, self._ref_m2 = 0, 0.0, 0.0
        self._after_n, self._after_sum = 0, 0.0
        # Event times (Unix seconds; NaN: not known) of the reference's first value, of the
        # first detection since the reference, and of the latest value.
        self._ref_since = self._after_since = self._last_at = math.nan
        self._window = RollingWindow(settings.settle_hours * 3600.0)
        self._adwin = AdwinDriftDetector(_FEATURE, delta=settings.adwin_delta)
        self._page_hinkley = PageHinkleyDriftDetector(
            _FEATURE,
            delta=settings.page_hinkley_delta,
            threshold=settings.page_hinkley_threshold,
            alpha=1.0,
        )

    @property
    def warming_up(self) -> bool:
        return self._ref_n < self.settings.reference_points or _shorter_than(
            self._ref_since, self._last_at, self.settings.reference_hours
        )

    def rebase(self) -> None:
        """Start again: a new reference from the next value (after the model was acted on)."""
        self._reset()

    def update(self, value: float, at: float | None = None) -> float:
        """Learn `value` (at event time `at`, Unix seconds, when known) and return the
        channel's drift score after it."""
        x = signed_log(value) if self.transformed else value
        if at is not None:
            self._last_at = at
            if math.isnan(self._ref_since):
                self._ref_since = at
        if self.warming_up:
            self._ref_n += 1
            gap = x - self._ref_mean
            self._ref_mean += gap / self._ref_n
            self._ref_m2 += gap * (x - self._ref_mean)
            return 0.0
        spread = self._spread()
        z = max(-self.settings.clip_sd, min(self.settings.clip_sd, (x - self._ref_mean) / spread))
        point = {_FEATURE: z}
        fired = self._adwin.process_many([point])[0].value == 1.0
        fired = self._page_hinkley.process_many([point])[0].value == 1.0 or fired
        if fired:
            self.detections += 1
            self._after_n, self._after_sum = 0, 0.0
            if math.isnan(self._after_since):
                self._after_since = self._last_at  # the first detection
        if self.detections:
            self._after_n += 1
            self._after_sum += z
        if self._in_time:
            self._window.add(z, self._last_at)
        return self.score()

    @property
    def _in_time(self) -> bool:
        """Whether the shift is a day's mean (event times known, `settle_hours` > 0)."""
        return self.settings.settle_hours > 0.0 and not math.isnan(self._last_at)

    def shift(self) -> float:
        """The shift since the latest detection, in reference sd, that the channel is sure of."""
        if not self.detections or self._after_n == 0:
            return 0.0
        n, mean = self._after_n, self._after_sum / self._after_n
        if self._in_time:
            n, mean = self._window.filled, self._window.mean()
            if n == 0:
                return 0.0
        error = math.sqrt(1.0 / n + 1.0 / self._ref_n)
        return max(abs(mean) - self.settings.confidence_z * error, 0.0)

    def score(self) -> float:
        """The drift score in [0, 1) (see the module docstring)."""
        if self._in_time:
            if _shorter_than(self._after_since, self._last_at, self.settings.settle_hours):
                return 0.0
        elif self._after_n < self.settings.settle_points:
            return 0.0
        return 1.0 - math.pow(2.0, -self.shift() / self.settings.shift_at_half)

    def _spread(self) -> float:
        variance = self._ref_m2 / (self._ref_n - 1) if self._ref_n > 1 else 0.0
        floor = max(_SD_FLOOR_RELATIVE * abs(self._ref_mean), _SD_FLOOR_ABSOLUTE)
        return max(math.sqrt(max(variance, 0.0)), floor)

    def to_state(self) -> bytes:
        """The running sums and both detectors' own states, in `detectors.state_codec`."""
        arrays: dict[str, npt.NDArray[Any]] = {
            "adwin": np.frombuffer(self._adwin.to_state(), dtype=np.uint8),
            "page_hinkley": np.frombuffer(self._page_hinkley.to_state(), dtype=np.uint8),
            "window": self._window.to_array(),
        }
        scalars: dict[str, Scalar] = {
            "transformed": self.transformed,
            "detections": self.detections,
            "ref_n": self._ref_n,
            "ref_mean": self._ref_mean,
            "ref_m2": self._ref_m2,
            "after_n": self._after_n,
            "after_sum": self._after_sum,
            "ref_since": self._ref_since,
            "after_since": self._after_since,
            "last_at": self._last_at,
        }
        return encode_state(_KIND, self.settings.model_dump(), arrays, scalars)

    @classmethod
    def from_state(cls, data: bytes) -> Self:
        state = decode_state(data, expected_kind=_KIND)
        try:
            settings = DriftMonitorSettings.model_validate(state.params)
        except ValueError as error:
            raise StateFormatError(f"{_KIND} state has invalid settings: {error}") from error
        channel = cls(settings, state.scalar("transformed", bool))
        channel.detections = state.scalar("detections", int)
        channel._ref_n = state.scalar("ref_n", int)
        channel._ref_mean = state.scalar("ref_mean", float)
        channel._ref_m2 = state.scalar("ref_m2", float)
        channel._after_n = state.scalar("after_n", int)
        channel._after_sum = state.scalar("after_sum", float)
        # States saved before event times were kept have none: points alone decide for them.
        for name in ("ref_since", "after_since", "last_at"):
            if name in state.scalars:
                setattr(channel, f"_{name}", state.scalar(name, float))
        if "window" in state.arrays:
            seconds, window = settings.settle_hours * 3600.0, state.array("window", np.float64)
            try:
                channel._window = RollingWindow.from_array(seconds, window)
            except ValueError as error:
                raise StateFormatError(f"{_KIND} state: {error}") from error
        channel._adwin = AdwinDriftDetector.from_state(state.array("adwin", np.uint8).tobytes())
        channel._page_hinkley = PageHinkleyDriftDetector.from_state(
            state.array("page_hinkley", np.uint8).tobytes()
        )
        return channel


def _shorter_than(since: float, until: float, hours: float) -> bool:
    """Whether less than `hours` of event time lie between two times (not when either is
    unknown: a channel fed without times counts points only)."""
    return until - since < hours * 3600.0  # False when either is NaN


_KIND = register_kind("drift_channel", DriftChannel)
