"""The space a measure is modelled in: its signed log or its own units (`transform`).

With "auto" each measure is modelled on its signed log until it has seen `1 / alpha` points,
then decided once: see `transformed`. A measure that leaves the log has its state carried
into its own units here.
"""

from __future__ import annotations

import math
from typing import Any

from dexwatch.detectors.kernel_bands import band_learn, compiled
from dexwatch.detectors.kernel_params import (
    F_LEVEL_ALPHA,
    F_WIDTH,
    I_DAY_SLOTS,
    I_HEADER,
    I_LOG,
    I_MEASURE_SIZE,
    I_SMOOTH_POINTS,
    I_TRANSFORM,
    I_WEEK_SLOTS,
    TRANSFORM_AUTO,
    TRANSFORM_LOG,
    TRANSFORM_NONE,
)
from dexwatch.detectors.series_layout import (
    CHANGE,
    HAS_PREVIOUS,
    LEVEL,
    PREVIOUS,
    QUANTUM,
    RECENT,
    SMOOTHED,
    TRANSFORM_LEVEL,
    TRANSFORM_SPACE,
    TRANSFORM_STEP,
)

__all__ = ["is_logged", "transformed"]


@compiled
def _signed_log(value: float) -> float:
    return math.copysign(math.log1p(abs(value)), value)


@compiled
def is_logged(small: Any, base: int, iparams: Any) -> bool:
    mode = iparams[I_LOG]
    if mode == TRANSFORM_AUTO:
        return bool(small[base + iparams[I_TRANSFORM] + TRANSFORM_SPACE] >= 0.0)
    return bool(mode == TRANSFORM_LOG)


@compiled
def _mapped(value: float, to_log: bool) -> float:
    """A value of the measure in the other space."""
    if to_log:
        return _signed_log(value)
    return math.copysign(math.expm1(abs(value)), value)


@compiled
def _slope(value: float, to_log: bool) -> float:
    """How far the other space moves per unit of this one, at `value` (first order)."""
    return 1.0 / (1.0 + abs(value)) if to_log else math.exp(abs(value))


@compiled
def _map_band(state: Any, at: int, to_log: bool) -> None:
    """A band (mean, variance) taken into the other space to first order about its mean."""
    slope = _slope(float(state[at]), to_log)
    state[at] = _mapped(float(state[at]), to_log)
    state[at + 1] = state[at + 1] * slope * slope


@compiled
def _to_own_units(small: Any, profiles: Any, measure: int, base: int, iparams: Any) -> None:
    """Re-express a measure's state, modelled on the signed log so far, in its own units: its
    level's and its step's bands exactly (the transform slots kept them), every other value,
    band and slot exactly or to first order; records, says and the joint view's state are in
    sd and stay as they are."""
    slots = base + iparams[I_TRANSFORM]
    for index in range(3):
        small[base + LEVEL + index] = small[slots + TRANSFORM_LEVEL + index]
        small[base + CHANGE + index] = small[slots + TRANSFORM_STEP + index]
    _map_band(small, base + SMOOTHED, False)
    previous = float(small[base + PREVIOUS])
    small[base + QUANTUM] *= _slope(previous, False)
    small[base + PREVIOUS] = _mapped(previous, False)
    for index in range(iparams[I_SMOOTH_POINTS]):
        small[base + RECENT + index] = _mapped(float(small[base + RECENT + index]), False)
    slots_per_measure = iparams[I_DAY_SLOTS] + iparams[I_WEEK_SLOTS]
    for slot in range(measure * slots_per_measure, (measure + 1) * slots_per_measure):
        _map_band(profiles, 2 * slot, False)


@compiled
def transformed(
    small: Any,
    profiles: Any,
    measure: int,
    raw: float,
    after_gap: bool,
    fparams: Any,
    iparams: Any,
) -> float:
    """The measure's value in the space it is modelled in; with transform "auto", that space is
    decided first, from the points before this one.

    Auto: the signed log until the measure has seen `1 / alpha` points (as long as its level's
    band is a plain mean and variance before it weighs points exponentially); then, once and
    for good, the signed log if its changes are multiplicative, its own units otherwise. They
    are multiplicative when either
    - its values are more dispersed than the exponential distribution's (a coefficient of
      variation above 1): a power-law tail (a volume), no level with additive noise, or
    - its steps are small beside its level, a step band `width` sd wide clear of -100%
      (`width * sd(step) < |mean|`): a TVL, a price, whose steps grow with its level; there
      the log is nearly linear and costs nothing, and it keeps the steps' scale as the level
      grows.
    Neither (a percentage, an occupancy, counts near zero: steps as large as the level) keeps
    its own units: the log would stretch its low end, where a quiet night then looks as wild
    as a spike. Deciding once, at a stated point, a measure near a boundary cannot flip back
    and forth between spaces.
    """
    mode = iparams[I_LOG]
    if mode == TRANSFORM_NONE:
        return raw
    if mode == TRANSFORM_LOG:
        return _signed_log(raw)
    base = iparams[I_HEADER] + measure * iparams[I_MEASURE_SIZE]
    slots = base + iparams[I_TRANSFORM]
    space = small[slots + TRANSFORM_SPACE]
    if space == 0.0:
        level, step = slots + TRANSFORM_LEVEL, slots + TRANSFORM_STEP
        alpha = fparams[F_LEVEL_ALPHA]
        if small[level + 2] >= 1.0 / alpha:
            mean = abs(small[level])
            spread = math.sqrt(max(small[level + 1], 0.0))
            step_spread = math.sqrt(max(small[step + 1], 0.0))
            multiplicative = spread > mean or fparams[F_WIDTH] * step_spread < mean
            space = 1.0 if multiplicative else -1.0
            small[slots + TRANSFORM_SPACE] = space
            if not multiplicative:
                _to_own_units(small, profiles, measure, base, iparams)
        else:
            # The model's own bands learn this point on its log, in `_measure`.
            if small[base + HAS_PREVIOUS] != 0.0 and not after_gap:
                previous = _mapped(float(small[base + PREVIOUS]), False)
                band_learn(small, step, raw - previous, alpha)
            band_learn(small, level, raw, alpha)
    return raw if space < 0.0 else _signed_log(raw)
