"""The compiled loop that scores and then learns points of many series, in their flat arrays.

Each measure is first put in the space it is modelled in, its signed log or its own units
(`transform`; with "auto", decided once per measure: `measure_space`). Then each measure of a
point is seen five ways (the `VIEWS` of `series_layout`):
- level: the value against its recent mean and spread;
- change: the step from the previous value against recent steps (not across a data gap);
- smoothed: the mean of the last few values against its slower mean (gradual shifts);
- time of day / time of week: the value against what this slot of the day (of the week, by
  hour) usually holds. Slots are fixed in event time, so missing intervals do not shift them.

Each view gives |z| (net of the measure's resolution), which is divided by its record: the |z|
that view passes about once in its horizon (1,500 points and 30 days), estimated from the tail
of its |z| (`record_tail`): a ratio above 1 is a record, what has not happened in a long
while. That is the calibration that lets one threshold serve quiet and noisy series alike. A
point's surprise is its largest weighted ratio, its score `surprise / (1 + surprise)` (0.5 =
equals the record).

A repeat guard then damps a score that does not beat every score of the last ~100-150 points:
an anomaly that goes on is one alert, not fifty.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from dexwatch.detectors.cycle_evidence import cycle_say
from dexwatch.detectors.joint_view import joint_point
from dexwatch.detectors.kernel_bands import (
    band_learn,
    compiled,
    ewm_learn,
    record_learn,
    record_value,
    young_floor,
)
from dexwatch.detectors.kernel_params import (
    F_DAMP,
    F_GAP_FACTOR,
    F_JOINT_WEIGHT,
    F_LEVEL_ALPHA,
    F_RECORD_SPAN,
    F_REPEAT_SPAN,
    F_RESOLUTION,
    F_SEASON_SPAN,
    F_SMOOTH_ALPHA,
    F_SPREAD_FLOOR,
    F_WEIGHTS,
    F_WIDTH,
    F_YOUNG_RECORD,
    I_DAY_SLOTS,
    I_HEADER,
    I_HORIZON,
    I_JOINT_BASE,
    I_JOINT_HEIGHT,
    I_JOINT_WINDOW,
    I_MEASURE_SIZE,
    I_MEASURES,
    I_MIN_BAND,
    I_MIN_DAY,
    I_MIN_WEEK,
    I_RECORD_BLOCK,
    I_RECORD_BLOCKS,
    I_RECORDS,
    I_REPEAT_BLOCK,
    I_REPEAT_BLOCKS,
    I_SAYS,
    I_SMOOTH_POINTS,
    I_WARMUP,
    I_WEEK_SLOTS,
    OUT_DEVIATION,
    OUT_HIGH,
    OUT_LOGGED,
    OUT_LOW,
)
from dexwatch.detectors.measure_space import is_logged, transformed
from dexwatch.detectors.record_tail import TAIL_SIZE, tail_coverage, tail_learn, tail_level
from dexwatch.detectors.series_layout import (
    CHANGE,
    CLOCK_HAS_LAST,
    CLOCK_LAST_AT,
    CLOCK_SEEN,
    CLOCK_USUAL_STEP,
    HAS_PREVIOUS,
    LEVEL,
    PREVIOUS,
    QUANTUM,
    RECENT,
    RECENT_FILLED,
    RECENT_NEXT,
    SAY_UNKNOWN,
    SAYS,
    SERIES_HEADER,
    SMOOTHED,
    VIEWS,
)

__all__ = ["process_points"]

Floats = npt.NDArray[np.float64]
Floats32 = npt.NDArray[np.float32]
Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]


_N_VIEWS = len(VIEWS)
_DAY_S = 86400.0
_WEEK_S = 7 * _DAY_S
_SAY_STEPS = float(SAY_UNKNOWN - 1)  # a say is kept in a byte, in 254ths
_DAY_VIEW, _WEEK_VIEW = VIEWS.index("time_of_day"), VIEWS.index("time_of_week")
_MIN_POINTS_PER_DAY = 4  # for a time-of-day view to judge
_WEEK_SLOTS_PER_DAY = 24  # the week is kept by hour: finer slots see too few values


@compiled
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


@compiled
def _put(
    out: Any, view: int, ratio: float, deviation: float, low: float, high: float, value: float
) -> None:
    out[view, 0] = ratio
    out[view, 1] = deviation
    out[view, 2] = low
    out[view, 3] = high
    out[view, 4] = value


@compiled
def _slot_view(
    profiles: Any,
    counts: Any,
    base: int,
    slot: int,
    min_points: float,
    value: float,
    level: float,
    overall: float,
    floor: float,
    fparams: Any,
    out: Any,
    view: int,
) -> bool:
    """The value against its slot's mean; a young slot's spread is floored by the overall.
    True when the view judged.

    A slot whose mean lies outside the level's band says nothing: the series has left that
    profile behind (a trending or wandering measure, whose past days are history, not what
    to expect now); a cycle stays within its level's band.
    """
    if counts[base + slot] < min_points:
        return False
    width = fparams[F_WIDTH]
    mean = float(profiles[2 * (base + slot)])
    if overall > 0.0 and abs(mean - level) > width * max(overall, floor):
        return False
    spread = max(
        math.sqrt(max(float(profiles[2 * (base + slot) + 1]), 0.0)),
        fparams[F_SPREAD_FLOOR] * overall,
        floor,
    )
    deviation = (value - mean) / spread if spread > 0.0 else 0.0
    _put(out, view, 0.0, deviation, mean - width * spread, mean + width * spread, value)
    return True


@compiled
def _cycles(seen: float, usual_step: float, cycle_seconds: float) -> float:
    """Complete cycles a series' points cover at its usual step (fewer across gaps)."""
    return math.floor(seen * usual_step / cycle_seconds)


@compiled
def _say(stored: int) -> float:
    return 0.0 if stored == SAY_UNKNOWN else stored / _SAY_STEPS


@compiled
def _points_per_visit(slot_seconds: float, usual_step: float) -> float:
    return max(1.0, slot_seconds / usual_step) if usual_step > 0.0 else 1.0


@compiled
def _slot_learn(
    profiles: Any, counts: Any, base: int, slot: int, value: float, alpha: float
) -> None:
    seen = float(counts[base + slot])  # saturates at 255, long after 1 / alpha
    ewm_learn(profiles, 2 * (base + slot), seen == 0.0, value, max(alpha, 1.0 / (seen + 1.0)))
    if counts[base + slot] < 255:
        counts[base + slot] += 1


@compiled
def _band_view(
    small: Any,
    at: int,
    value: float,
    shift: float,
    floor: float,
    fparams: Any,
    iparams: Any,
    out: Any,
    view: int,
) -> float:
    """Put the value's place in the band at `at` into `out[view]`; return the band's sd.

    The sd is never below `floor`, the measure's resolution: on a flat series a one-tick move
    is one sd, not a hundred.
    """
    seen = small[at + 2]
    judged = shift + value
    if seen == 0.0:
        _put(out, view, 0.0, 0.0, judged, judged, judged)  # ratio 0 until judged
        return 0.0
    mean = small[at]
    if seen < iparams[I_MIN_BAND]:
        _put(out, view, 0.0, 0.0, shift + mean, shift + mean, judged)
        return 0.0
    spread = max(math.sqrt(small[at + 1]), floor)
    deviation = (value - mean) / spread if spread > 0.0 else 0.0
    width = fparams[F_WIDTH]
    low, high = shift + mean - width * spread, shift + mean + width * spread
    _put(out, view, 0.0, deviation, low, high, judged)
    return spread


@compiled
def _robust_band_learn(
    state: Any, at: int, value: float, alpha: float, width: float, floor: float, min_points: int
) -> None:
    """`_band_learn` of the value clipped to the band: a departure moves a slow reference only
    as fast as a value at the band's edge would, so a level shift stays visible against it."""
    if state[at + 2] >= min_points:
        spread = max(math.sqrt(state[at + 1]), floor)
        value = min(max(value, state[at] - width * spread), state[at] + width * spread)
    band_learn(state, at, value, alpha)


@compiled
def _net_size(cell: Any, floor: float, width: float) -> float:
    """|z| of a view net of the measure's resolution: the least departure the value and the
    band's mean can be apart, each known only to within the resolution (a quoted price to a
    tick, a mean of such prices to about as much). On a flat price whose spread is the floor,
    a 4-tick move is 3 sd, not 4: it does not beat a month of 3-tick moves. Where the spread
    is many resolutions wide (most measures), this is |z| less a small fraction."""
    spread = float(cell[OUT_HIGH] - cell[OUT_LOW]) / (2.0 * width)
    size = abs(float(cell[OUT_DEVIATION]))
    if spread <= 0.0:
        return size
    return max(size - floor / spread, 0.0)


@compiled
def _resolution(
    small: Any, base: int, raw: float, value: float, logged: bool, fparams: Any
) -> float:
    """The smallest change that means something for this measure, in the transformed space:
    its quantum (the smallest step it has taken) or its relative resolution, the larger.

    A measure that has never moved has no known quantum: its first move is taken as one (a
    count going from 1 to 2 on its third point is one unit, not a thousand sd).
    """
    relative = float(fparams[F_RESOLUTION]) * abs(raw)
    if logged:
        relative /= 1.0 + abs(raw)  # d log1p(x) = dx / (1 + x)
    quantum = float(small[base + QUANTUM])
    if quantum == 0.0 and small[base + HAS_PREVIOUS] != 0.0:
        quantum = abs(value - small[base + PREVIOUS])
    return max(quantum, relative)


@compiled
def _learn_quantum(small: Any, base: int, step: float, value: float) -> None:
    # Steps below float noise are not the measure's resolution.
    size = abs(step)
    if size > 1e-12 * max(1.0, abs(value)):
        quantum = small[base + QUANTUM]
        small[base + QUANTUM] = size if quantum == 0.0 else min(quantum, size)


@compiled
def _measure(
    small: Any,
    profiles: Any,
    counts: Any,
    measure: int,
    raw: float,
    value: float,
    at: float,
    after_gap: bool,
    judge: bool,
    record_block: int,
    fparams: Any,
    iparams: Any,
    out: Any,
) -> None:
    """Score one measure's value in every view (into `out[view]`), then learn it.

    `raw` is the value as it came, `value` after the transform. A young view's record is taken
    as at least `young_floor` (a young series has had no time to set records).
    """
    base = iparams[I_HEADER] + measure * iparams[I_MEASURE_SIZE]
    out[:, :] = np.nan  # a view that says nothing stays NaN
    logged = is_logged(small, base, iparams)
    floor = _resolution(small, base, raw, value, logged, fparams)
    level = small[base + LEVEL]  # the level's mean before this point
    overall = _band_view(small, base + LEVEL, value, 0.0, floor, fparams, iparams, out, 0)
    has_step = small[base + HAS_PREVIOUS] != 0.0 and not after_gap
    previous = small[base + PREVIOUS]
    if has_step:
        _band_view(
            small, base + CHANGE, value - previous, previous, floor, fparams, iparams, out, 1
        )
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
    _band_view(small, base + SMOOTHED, smoothed, 0.0, floor, fparams, iparams, out, 2)
    # Time of day and of week, fixed in event time.
    day_slots, week_slots = iparams[I_DAY_SLOTS], iparams[I_WEEK_SLOTS]
    slot_base = measure * (day_slots + week_slots)
    seconds = at % _DAY_S
    day_slot = min(int(seconds * day_slots / _DAY_S), day_slots - 1)
    # 1970-01-01 was a Thursday: Monday is day 0 of the week here, as in `datetime.weekday()`.
    weekday = int(((at // _DAY_S) + 3.0) % 7.0)
    week_slot = min(weekday * _WEEK_SLOTS_PER_DAY + int(seconds // 3600.0), week_slots - 1)
    # A cycle can be seen only with a few points in each: a series a point a day has no
    # time-of-day profile (its slots would be samples of noise), nor a weekly one by the hour
    # beyond one value a day.
    usual = small[CLOCK_USUAL_STEP]
    # A slot is visited by several points in a row when the series is finer than the slot:
    # its memory and the values it needs are counted in visits (days, weeks), not points.
    day_visit = _points_per_visit(_DAY_S / day_slots, usual)
    week_visit = _points_per_visit(_DAY_S / _WEEK_SLOTS_PER_DAY, usual)
    min_day = min(iparams[I_MIN_DAY] * day_visit, 255.0)
    min_week = min(iparams[I_MIN_WEEK] * week_visit, 255.0)
    week_base = slot_base + day_slots
    has_day = usual <= _DAY_S / _MIN_POINTS_PER_DAY
    day_judged = has_day and _slot_view(
        profiles,
        counts,
        slot_base,
        day_slot,
        min_day,
        value,
        level,
        overall,
        floor,
        fparams,
        out,
        _DAY_VIEW,
    )
    week_judged = usual <= _DAY_S and _slot_view(
        profiles,
        counts,
        week_base,
        week_slot,
        min_week,
        value,
        level,
        overall,
        floor,
        fparams,
        out,
        _WEEK_VIEW,
    )
    # Each slot view has as much say as the evidence that the series has its cycle
    # (`cycle_evidence`): without a cycle, the series is judged by its other views. The say is
    # taken while the measure is within its level and smoothed bands, and kept while it is
    # out: a departure that reaches every slot (a failure lasting days) widens them all and
    # would otherwise take the say away while it lasts. A profile moves little in a visit of
    # a slot, so the say is taken again once a visit (it reads every slot), or when unknown
    # (`SAY_UNKNOWN`: a state saved before there were says).
    says = iparams[I_SAYS] + SAYS * measure
    width = fparams[F_WIDTH]
    within = not abs(out[0, 1]) > width and not abs(out[2, 1]) > width  # NaN: no band yet
    span, seen = fparams[F_SEASON_SPAN], small[CLOCK_SEEN]
    due = int(seen) % int(day_visit) == 0 or counts[says] == SAY_UNKNOWN
    if within and day_judged and due:
        say = cycle_say(
            profiles,
            counts,
            slot_base,
            day_slots,
            min_day,
            day_visit,
            0,
            0,
            0.0,
            0.0,
            _cycles(seen, usual, _DAY_S),
            span,
            floor * floor,
            fparams[F_SPREAD_FLOOR],
        )
        counts[says] = round(say * _SAY_STEPS)
    due = int(seen) % int(week_visit) == 0 or counts[says + 1] == SAY_UNKNOWN
    if within and week_judged and due:
        # The week earns its say beyond the day profile, where there is one to compare with.
        say = cycle_say(
            profiles,
            counts,
            week_base,
            week_slots,
            min_week,
            week_visit,
            slot_base,
            day_slots if has_day else 0,
            min_day,
            _cycles(seen, usual, _DAY_S),
            _cycles(seen, usual, _WEEK_S),
            span,
            floor * floor,
            fparams[F_SPREAD_FLOOR],
        )
        counts[says + 1] = round(say * _SAY_STEPS)
    day_say, week_say = _say(counts[says]), _say(counts[says + 1])
    # Each view's |z| against its record; records learn in the warm-up too, so that the first
    # verdicts have a record to beat.
    records = base + iparams[I_RECORDS]
    # A record is what a view reaches once in this many points (time-extended blocks).
    horizon = float(iparams[I_RECORD_BLOCKS] * record_block)
    for view in range(_N_VIEWS):
        if math.isnan(out[view, 1]):
            continue
        record = records + view * TAIL_SIZE
        size = _net_size(out[view], floor, width)
        if judge:
            # A view that began to judge late (a week's slot, say) is as young as its record.
            coverage = tail_coverage(small, record, iparams[I_HORIZON])
            least = young_floor(fparams[F_WIDTH], fparams[F_YOUNG_RECORD], coverage)
            beaten = max(tail_level(small, record, horizon, iparams[I_HORIZON]), least)
            say = day_say if view == _DAY_VIEW else week_say if view == _WEEK_VIEW else 1.0
            out[view, 0] = say * fparams[F_WEIGHTS + view] * size / beaten
        # The record keeps the raw |z| whatever the say: it means the same as the say grows.
        tail_learn(small, record, horizon, size)
    out[:, OUT_LOGGED] = 1.0 if logged else 0.0
    # Learn.
    band_learn(small, base + LEVEL, value, fparams[F_LEVEL_ALPHA])
    if has_step:
        band_learn(small, base + CHANGE, value - previous, fparams[F_LEVEL_ALPHA])
    if small[base + HAS_PREVIOUS] != 0.0:
        _learn_quantum(small, base, value - previous, value)
    _robust_band_learn(
        small,
        base + SMOOTHED,
        smoothed,
        fparams[F_SMOOTH_ALPHA],
        fparams[F_WIDTH],
        floor,
        iparams[I_MIN_BAND],
    )
    span = fparams[F_SEASON_SPAN]
    _slot_learn(profiles, counts, slot_base, day_slot, value, 2.0 / (span * day_visit + 1.0))
    _slot_learn(profiles, counts, week_base, week_slot, value, 2.0 / (span * week_visit + 1.0))
    small[base + PREVIOUS] = value
    small[base + HAS_PREVIOUS] = 1.0


@compiled
def _severity(score: float) -> float:
    """A score in whole points, as a verdict's severity (which rounds exact halves to even:
    a score on a half point is a measure-zero case)."""
    return math.floor(100.0 * score + 0.5)


@compiled
def process_points(
    small: Floats,
    profiles: Floats32,
    counts: Bytes,
    rows: Ints,
    times: Floats,
    values: Floats,
    fparams: Floats,
    iparams: Ints,
    joint_masses: Any,
    joint_feature: Ints,
    joint_threshold: Floats,
    scores: Floats,
    flags: Bytes,
    views: Floats,
    joint: Floats,
) -> None:
    """Score then learn each point `i` of series row `rows[i]`, in order.

    `values[i]` holds the point's measures (in the series' order), `times[i]` its event time in
    Unix seconds. Writes `scores[i]`, `flags[i]` (bit 0: judged, bit 1: after a gap, bit 2:
    damped as a repeat), `views[i, measure, view, :]` (see `OUT_*`) and `joint[i]` (the joint
    view's ratio and surprise, NaN when it said nothing; see `detectors.joint_view`), whose
    trees are `joint_feature` / `joint_threshold` and masses `joint_masses[row]`.
    """
    n_measures = iparams[I_MEASURES]
    joint_base = iparams[I_JOINT_BASE]
    deviations = np.empty(n_measures)
    box = np.empty(n_measures)
    low, high = np.zeros(n_measures), np.ones(n_measures)
    scaled = np.empty(n_measures)
    sums = np.empty((2 << iparams[I_JOINT_HEIGHT]) - 1, dtype=np.int64)
    repeat = SERIES_HEADER
    repeat_blocks = iparams[I_REPEAT_BLOCKS]
    for i in range(rows.shape[0]):
        row = rows[i]
        state, profile, count = small[row], profiles[row], counts[row]
        value_row = values[i]
        # Missing intervals are explicit: a gap resets the step view and nothing else.
        after_gap = _note_time(state, times[i], fparams[F_GAP_FACTOR])
        seen = state[CLOCK_SEEN]
        judge = seen >= iparams[I_WARMUP]
        state[CLOCK_SEEN] += 1.0
        # A record lasts `record_blocks` blocks of at least `record_block` points, and of at
        # least `record span / record_blocks` of time: a minute series' records last a month,
        # not a day, so what happens once a day or two is not a record.
        block = iparams[I_RECORD_BLOCK]
        usual = state[CLOCK_USUAL_STEP]
        if usual > 0.0 and fparams[F_RECORD_SPAN] > 0.0:
            by_time = fparams[F_RECORD_SPAN] / iparams[I_RECORD_BLOCKS] / usual
            block = max(block, int(min(by_time, 1e9)))
        largest = 0.0
        for measure in range(n_measures):
            raw = value_row[measure]
            if math.isnan(raw):  # a ratio over zero: this measure has no value this time
                views[i, measure] = np.nan
                continue
            value = transformed(state, profile, measure, raw, after_gap, fparams, iparams)
            _measure(
                state,
                profile,
                count,
                measure,
                raw,
                value,
                times[i],
                after_gap,
                judge,
                block,
                fparams,
                iparams,
                views[i, measure],
            )
            for view in range(_N_VIEWS):
                ratio = views[i, measure, view, 0]
                if not math.isnan(ratio) and ratio > largest:
                    largest = ratio
        joint[i, 0] = np.nan
        joint[i, 1] = np.nan
        if joint_base != 0 and seen >= iparams[I_MIN_BAND]:
            for measure in range(n_measures):
                deviations[measure] = views[i, measure, 0, OUT_DEVIATION]
            ratio = joint_point(
                state,
                joint_base,
                joint_masses[row],
                joint_feature,
                joint_threshold,
                deviations,
                box,
                low,
                high,
                scaled,
                sums,
                fparams[F_WIDTH],
                iparams[I_JOINT_HEIGHT],
                iparams[I_JOINT_WINDOW],
                iparams[I_MIN_BAND],
                iparams[I_RECORD_BLOCKS],
                block,
                iparams[I_HORIZON],
                judge,
                fparams[F_YOUNG_RECORD],
                joint[i],
            )
            largest = max(largest, fparams[F_JOINT_WEIGHT] * ratio)
        flag = (1 if judge else 0) | (2 if after_gap else 0)
        score = largest / (1.0 + largest) if judge else 0.0
        if judge:
            # The repeat guard: a score that does not beat the last ~100-150 points' is damped.
            # Those points are at most a day or so: a daily series' depeg in May is not a repeat
            # of a jump in April. Beating is by a severity point (the score in whole points, as
            # reported): near 1 scores creep (ratios of 160 and 190 are 0.994 and 0.995), and
            # a departure that goes on must not alert again at every new decimal.
            repeat_block = iparams[I_REPEAT_BLOCK]
            if usual > 0.0 and fparams[F_REPEAT_SPAN] > 0.0:
                by_time = fparams[F_REPEAT_SPAN] / repeat_blocks / usual
                repeat_block = max(1, min(repeat_block, int(min(by_time, 1e9))))
            recent = record_value(state, repeat, repeat_blocks)
            if _severity(score) <= _severity(recent):
                flag |= 4
                scores[i] = score * fparams[F_DAMP]
            else:
                scores[i] = score
            record_learn(state, repeat, repeat_blocks, repeat_block, score)
        else:
            scores[i] = 0.0
        flags[i] = flag
