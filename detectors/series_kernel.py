"""The compiled loop that scores and then learns points of many series, in their flat arrays.

Each measure of a point is seen five ways (the `VIEWS` of `series_layout`):
- level: the value against its recent mean and spread;
- change: the step from the previous value against recent steps (not across a data gap);
- smoothed: the mean of the last few values against its slower mean (gradual shifts);
- time of day / time of week: the value against what this slot of the day (of the week, by
  hour) usually holds. Slots are fixed in event time, so missing intervals do not shift them.

Each view gives |z|, which is divided by the largest |z| that view produced over the last
~1,500 points: a ratio above 1 is a record, what has not happened in a long while. That is
the calibration that lets one threshold serve quiet and noisy series alike. A point's surprise
is its largest weighted ratio, its score `surprise / (1 + surprise)` (0.5 = equals the record).

A repeat guard then damps a score that does not beat every score of the last ~100-150 points:
an anomaly that goes on is one alert, not fifty.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from detectors.series_layout import (
    CHANGE,
    CLOCK_HAS_LAST,
    CLOCK_LAST_AT,
    CLOCK_SEEN,
    CLOCK_USUAL_STEP,
    HAS_PREVIOUS,
    LEVEL,
    PREVIOUS,
    RECENT,
    RECENT_FILLED,
    RECENT_NEXT,
    SERIES_HEADER,
    SMOOTHED,
    VIEWS,
)

__all__ = [
    "F_DAMP",
    "F_GAP_FACTOR",
    "F_LEVEL_ALPHA",
    "F_SEASON_ALPHA",
    "F_SMOOTH_ALPHA",
    "F_SPREAD_FLOOR",
    "F_WEIGHTS",
    "F_WIDTH",
    "I_DAY_SLOTS",
    "I_HEADER",
    "I_LOG",
    "I_MEASURES",
    "I_MEASURE_SIZE",
    "I_MIN_BAND",
    "I_MIN_DAY",
    "I_MIN_WEEK",
    "I_RECORDS",
    "I_RECORD_BLOCK",
    "I_RECORD_BLOCKS",
    "I_REPEAT_BLOCK",
    "I_REPEAT_BLOCKS",
    "I_SMOOTH_POINTS",
    "I_WARMUP",
    "I_WEEK_SLOTS",
    "N_FLOAT_PARAMS",
    "N_INT_PARAMS",
    "OUT_DEVIATION",
    "OUT_HIGH",
    "OUT_LOW",
    "OUT_RATIO",
    "process_points",
]

_F = TypeVar("_F")

Floats = npt.NDArray[np.float64]
Floats32 = npt.NDArray[np.float32]
Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]

# Float parameters.
F_LEVEL_ALPHA, F_SMOOTH_ALPHA, F_SEASON_ALPHA, F_WIDTH, F_SPREAD_FLOOR, F_GAP_FACTOR, F_DAMP = (
    range(7)
)
F_WEIGHTS = 7  # one weight per view
N_FLOAT_PARAMS = F_WEIGHTS + len(VIEWS)

# Integer parameters.
(
    I_WARMUP,
    I_MIN_BAND,
    I_MIN_DAY,
    I_MIN_WEEK,
    I_RECORD_BLOCK,
    I_REPEAT_BLOCK,
    I_LOG,
    I_MEASURES,
    I_SMOOTH_POINTS,
    I_RECORD_BLOCKS,
    I_REPEAT_BLOCKS,
    I_DAY_SLOTS,
    I_WEEK_SLOTS,
    I_HEADER,
    I_MEASURE_SIZE,
    I_RECORDS,
) = range(16)
N_INT_PARAMS = 16

# Per view of each measure of each point: its weighted ratio (NaN: the view said nothing), its
# deviation in sd, and the band it was expected in (in the transformed space).
OUT_RATIO, OUT_DEVIATION, OUT_LOW, OUT_HIGH = range(4)

_N_VIEWS = len(VIEWS)
_DAY_S = 86400.0
_WEEK_SLOTS_PER_DAY = 24  # the week is kept by hour: finer slots see too few values


def _compiled(function: _F) -> _F:
    """`numba.njit(cache=True)`, typed so that mypy sees the Python function's signature."""
    return cast(_F, numba.njit(cache=True, nogil=True)(function))


@_compiled
def _ewm_learn(state: Any, at: int, first: bool, value: float, alpha: float) -> None:
    """Exponentially weighted mean at `at` and variance at `at + 1` (West's update)."""
    if first:
        state[at] = value
    else:
        difference = value - state[at]
        increment = alpha * difference
        state[at] += increment
        state[at + 1] = (1.0 - alpha) * (state[at + 1] + difference * increment)


@_compiled
def _band_learn(state: Any, at: int, value: float, alpha: float) -> None:
    _ewm_learn(state, at, state[at + 2] == 0.0, value, alpha)
    state[at + 2] += 1.0


@_compiled
def _record_value(state: Any, at: int, blocks: int) -> float:
    largest = state[at + blocks]
    for block in range(blocks):
        largest = max(largest, state[at + block])
    return float(largest)


@_compiled
def _record_learn(state: Any, at: int, blocks: int, block_size: int, value: float) -> None:
    """Block maxima: forgets in steps of `block_size` points, in `blocks + 3` floats."""
    current, filled, ring = at + blocks, at + blocks + 1, at + blocks + 2
    if value > state[current]:
        state[current] = value
    state[filled] += 1.0
    if state[filled] >= block_size:
        state[at + int(state[ring])] = state[current]
        state[ring] = (state[ring] + 1.0) % blocks
        state[current] = 0.0
        state[filled] = 0.0


@_compiled
def _note_time(small: Any, at: float, gap_factor: float) -> bool:
    """Track the usual step between points; True when this point follows a gap."""
    after_gap = False
    if small[CLOCK_HAS_LAST] != 0.0:
        step = at - small[CLOCK_LAST_AT]
        if step > 0.0:
            usual = small[CLOCK_USUAL_STEP]
            after_gap = usual > 0.0 and step > gap_factor * usual
            # A slowly moving usual step; gaps themselves do not stretch it.
            if usual == 0.0:
                small[CLOCK_USUAL_STEP] = step
            elif not after_gap:
                small[CLOCK_USUAL_STEP] = usual + 0.05 * (step - usual)
    small[CLOCK_LAST_AT] = at
    small[CLOCK_HAS_LAST] = 1.0
    return after_gap


@_compiled
def _put(out: Any, view: int, ratio: float, deviation: float, low: float, high: float) -> None:
    out[view, 0] = ratio
    out[view, 1] = deviation
    out[view, 2] = low
    out[view, 3] = high


@_compiled
def _slot_view(
    profiles: Any,
    counts: Any,
    base: int,
    slot: int,
    min_points: int,
    value: float,
    overall: float,
    fparams: Any,
    out: Any,
    view: int,
) -> None:
    """The value against its slot's mean; a young slot's spread is floored by the overall."""
    if counts[base + slot] < min_points:
        return
    width = fparams[F_WIDTH]
    mean = float(profiles[2 * (base + slot)])
    spread = max(math.sqrt(profiles[2 * (base + slot) + 1]), fparams[F_SPREAD_FLOOR] * overall)
    deviation = (value - mean) / spread if spread > 0.0 else 0.0
    _put(out, view, 0.0, deviation, mean - width * spread, mean + width * spread)


@_compiled
def _slot_learn(
    profiles: Any, counts: Any, base: int, slot: int, value: float, alpha: float
) -> None:
    _ewm_learn(profiles, 2 * (base + slot), counts[base + slot] == 0, value, alpha)
    if counts[base + slot] < 255:
        counts[base + slot] += 1


@_compiled
def _band_view(
    small: Any, at: int, value: float, shift: float, fparams: Any, iparams: Any, out: Any, view: int
) -> float:
    """Put the value's place in the band at `at` into `out[view]`; return the band's sd."""
    seen = small[at + 2]
    if seen == 0.0:
        _put(out, view, 0.0, 0.0, shift + value, shift + value)  # ratio 0 until judged
        return 0.0
    mean = small[at]
    if seen < iparams[I_MIN_BAND]:
        _put(out, view, 0.0, 0.0, shift + mean, shift + mean)
        return 0.0
    spread = math.sqrt(small[at + 1])
    deviation = (value - mean) / spread if spread > 0.0 else 0.0
    width = fparams[F_WIDTH]
    _put(out, view, 0.0, deviation, shift + mean - width * spread, shift + mean + width * spread)
    return spread


@_compiled
def _measure(
    small: Any,
    profiles: Any,
    counts: Any,
    measure: int,
    value: float,
    at: float,
    after_gap: bool,
    judge: bool,
    fparams: Any,
    iparams: Any,
    out: Any,
) -> None:
    """Score one measure's value in every view (into `out[view]`), then learn it."""
    base = iparams[I_HEADER] + measure * iparams[I_MEASURE_SIZE]
    out[:, :] = np.nan  # a view that says nothing stays NaN
    overall = _band_view(small, base + LEVEL, value, 0.0, fparams, iparams, out, 0)
    has_step = small[base + HAS_PREVIOUS] != 0.0 and not after_gap
    previous = small[base + PREVIOUS]
    if has_step:
        _band_view(small, base + CHANGE, value - previous, previous, fparams, iparams, out, 1)
    # The recent values: a ring of `smooth_points`, emptied by a gap so that the smoothed
    # level always covers `smooth_points` usual steps of time, never a stretch of missing data.
    points = iparams[I_SMOOTH_POINTS]
    ring = base + RECENT
    if after_gap:
        small[base + RECENT_FILLED] = 0.0
        small[base + RECENT_NEXT] = 0.0  # the values in use are then always the first `filled`
    small[ring + int(small[base + RECENT_NEXT])] = value
    small[base + RECENT_NEXT] = (small[base + RECENT_NEXT] + 1.0) % points
    small[base + RECENT_FILLED] = min(small[base + RECENT_FILLED] + 1.0, points)
    filled = int(small[base + RECENT_FILLED])
    smoothed = 0.0
    for index in range(filled):
        smoothed += small[ring + index]
    smoothed /= filled
    _band_view(small, base + SMOOTHED, smoothed, 0.0, fparams, iparams, out, 2)
    # Time of day and of week, fixed in event time.
    day_slots, week_slots = iparams[I_DAY_SLOTS], iparams[I_WEEK_SLOTS]
    slot_base = measure * (day_slots + week_slots)
    seconds = at % _DAY_S
    day_slot = min(int(seconds * day_slots / _DAY_S), day_slots - 1)
    # 1970-01-01 was a Thursday: Monday is day 0 of the week here, as in `datetime.weekday()`.
    weekday = int(((at // _DAY_S) + 3.0) % 7.0)
    week_slot = min(weekday * _WEEK_SLOTS_PER_DAY + int(seconds // 3600.0), week_slots - 1)
    _slot_view(
        profiles, counts, slot_base, day_slot, iparams[I_MIN_DAY], value, overall, fparams, out, 3
    )
    week_base = slot_base + day_slots
    _slot_view(
        profiles, counts, week_base, week_slot, iparams[I_MIN_WEEK], value, overall, fparams, out, 4
    )
    # Each view's |z| against its record; records learn in the warm-up too, so that the first
    # verdicts have a record to beat.
    records, blocks = base + iparams[I_RECORDS], iparams[I_RECORD_BLOCKS]
    for view in range(_N_VIEWS):
        if math.isnan(out[view, 1]):
            continue
        record = records + view * (blocks + 3)
        size = abs(out[view, 1])
        if judge:
            out[view, 0] = (
                fparams[F_WEIGHTS + view] * size / max(_record_value(small, record, blocks), 1.0)
            )
        _record_learn(small, record, blocks, iparams[I_RECORD_BLOCK], size)
    # Learn.
    _band_learn(small, base + LEVEL, value, fparams[F_LEVEL_ALPHA])
    if has_step:
        _band_learn(small, base + CHANGE, value - previous, fparams[F_LEVEL_ALPHA])
    _band_learn(small, base + SMOOTHED, smoothed, fparams[F_SMOOTH_ALPHA])
    _slot_learn(profiles, counts, slot_base, day_slot, value, fparams[F_SEASON_ALPHA])
    _slot_learn(profiles, counts, week_base, week_slot, value, fparams[F_SEASON_ALPHA])
    small[base + PREVIOUS] = value
    small[base + HAS_PREVIOUS] = 1.0


@_compiled
def process_points(
    small: Floats,
    profiles: Floats32,
    counts: Bytes,
    rows: Ints,
    times: Floats,
    values: Floats,
    fparams: Floats,
    iparams: Ints,
    scores: Floats,
    flags: Bytes,
    views: Floats,
) -> None:
    """Score then learn each point `i` of series row `rows[i]`, in order.

    `values[i]` holds the point's measures (in the series' order), `times[i]` its event time in
    Unix seconds. Writes `scores[i]`, `flags[i]` (bit 0: judged, bit 1: after a gap, bit 2:
    damped as a repeat) and `views[i, measure, view, :]` (see `OUT_*`).
    """
    n_measures = iparams[I_MEASURES]
    repeat = SERIES_HEADER
    repeat_blocks = iparams[I_REPEAT_BLOCKS]
    for i in range(rows.shape[0]):
        row = rows[i]
        state, profile, count = small[row], profiles[row], counts[row]
        value_row = values[i]
        # Missing intervals are explicit: a gap resets the step view and nothing else.
        after_gap = _note_time(state, times[i], fparams[F_GAP_FACTOR])
        judge = state[CLOCK_SEEN] >= iparams[I_WARMUP]
        state[CLOCK_SEEN] += 1.0
        largest = 0.0
        for measure in range(n_measures):
            value = value_row[measure]
            if math.isnan(value):  # a ratio over zero: this measure has no value this time
                views[i, measure] = np.nan
                continue
            if iparams[I_LOG] != 0:
                value = math.copysign(math.log1p(abs(value)), value)
            _measure(
                state,
                profile,
                count,
                measure,
                value,
                times[i],
                after_gap,
                judge,
                fparams,
                iparams,
                views[i, measure],
            )
            for view in range(_N_VIEWS):
                ratio = views[i, measure, view, 0]
                if not math.isnan(ratio) and ratio > largest:
                    largest = ratio
        flag = (1 if judge else 0) | (2 if after_gap else 0)
        score = largest / (1.0 + largest) if judge else 0.0
        if judge:
            # The repeat guard: a score that does not beat the last ~100-150 points' is damped.
            recent = _record_value(state, repeat, repeat_blocks)
            if score <= recent:
                flag |= 4
                scores[i] = score * fparams[F_DAMP]
            else:
                scores[i] = score
            _record_learn(state, repeat, repeat_blocks, iparams[I_REPEAT_BLOCK], score)
        else:
            scores[i] = 0.0
        flags[i] = flag
