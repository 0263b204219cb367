"""How much say a time-of-day or time-of-week view has: the evidence that the series has that cycle.

A slot view compares a value with what its slot of the day (of the week) usually holds. On a
series without that cycle its slots hold the overall mean and spread plus sampling noise, and
the view only repeats the level view less precisely: a false alarm now and then. So a slot
view's ratio is multiplied by its **say**, 0..1, taken from the profile the view already keeps
(the kernel keeps the last say in a byte; see `series_kernel`).

The evidence is the likelihood ratio of the slot profile (a mean and a variance per slot)
against a simpler model, as if each slot's values were normal:
`G = n sum over ready slots of (log(T_s / v_s) - bias)`, where `v_s` is the slot's variance,
`n` the visits the slots have had on average (points within a visit are not independent
evidence; the series' age in cycles only once a slot's count saturates; at most the profile's
memory, `season_span`) and
`T_s` what the simpler model expects there: for the day profile the pooled variance of all its
slots about their common mean (within-slot variance plus the variance of the slot means); for
the week profile the variance of the same hour in the day profile, so the week earns its say
only for what the day profile does not explain (a weekend, not the daily cycle again). A slot
whose mean differs from the others', or whose values are steadier than the rest (a pool idle at
night), adds to `G`. `bias` is what the log of a variance of `n` samples falls short by on
average, less the same for `T_s`: a variance of few visits is small more often than not.

`F = G / k`, `k` the degrees of freedom (two per slot beyond the simpler model's), is about 1/2
for a profile of noise (the bias correction takes the variances' share out): the test errs
towards less say, since the slots of one day are not independent samples on an autocorrelated
series. The say is `(F - 1) / (c - 1)` clipped to 0..1, `c` the `F` noise alone would exceed
once in 20 (`1 + 1.645 sqrt(2 / k)`): no say at noise's level, full say once significant.

The say multiplies the view's ratio only: the view's record keeps its raw |z|, so a record set
while the say is small is not beaten by ordinary values once the say grows.
"""

from __future__ import annotations

import math
from typing import Any

from dexwatch.detectors.kernel_bands import compiled

__all__ = ["NOISE_QUANTILE", "critical_ratio", "cycle_say"]

NOISE_QUANTILE = 1.645  # one-sided 5%: a say needs evidence noise alone shows once in 20
_WEEK_SLOTS_PER_DAY = 24  # the week profile is kept by hour
_SATURATED = 255.0  # a slot's count stops there (a byte)
_LOG_EVERY = 16  # slots whose ratios are multiplied before one log (a log costs ~20 multiplies)


@compiled
def critical_ratio(freedom: float) -> float:
    """The `F` (statistic over its degrees of freedom) noise alone exceeds once in 20."""
    if freedom <= 0.0:
        return math.inf
    return 1.0 + NOISE_QUANTILE * math.sqrt(2.0 / freedom)


@compiled
def _log_variance_bias(samples: float) -> float:
    """E[log(s² / σ²)] for the (1 / n) variance s² of `samples` normal values, n >= 2:
    `ψ((n - 1) / 2) + log(2 / n)`, ψ by its asymptotic series (within 0.01 from n = 3)."""
    if samples < 2.0:
        samples = 2.0
    half = (samples - 1.0) / 2.0
    digamma = math.log(half) - 1.0 / (2.0 * half) - 1.0 / (12.0 * half * half)
    return digamma + math.log(2.0 / samples)


@compiled
def cycle_say(
    profiles: Any,
    counts: Any,
    base: int,
    slots: int,
    min_points: float,
    visit: float,
    day_base: int,
    day_slots: int,
    day_min_points: float,
    day_cycles: float,
    cycles: float,
    span: float,
    least_variance: float,
    least_share: float,
) -> float:
    """The say, 0..1, of the profile of `slots` slots at `base` (see the module docstring).

    A slot is ready from `min_points` points; `visit` points make one visit of a slot, and a
    slot has seen at least `cycles` cycles (the series' age) and counts at most `span`.
    `day_slots` > 0: the profile is the week's by hour, judged against the day profile at
    `day_base` (a week slot whose day slot has fewer than `day_min_points` is left out), which
    has seen `day_cycles` days.
    Variances are floored at `least_variance` (the measure's resolution, squared) and at
    `least_share` squared of the slots' mean variance (the slot view's own spread floor).
    """
    # Slot variances are floored at `least_share` of the slots' mean variance (the slot view
    # never divides by less either) and at the measure's resolution: a slot steadier than
    # that is no more evidence. The floor comes from the profile alone, so a departure that
    # widens the level's band does not take the say away while it lasts.
    ready, shift, total, squares, within = 0, 0.0, 0.0, 0.0, 0.0
    for slot in range(slots):
        if counts[base + slot] < min_points:
            continue
        mean = float(profiles[2 * (base + slot)])
        if ready == 0:
            shift = mean  # sums of squares about it lose no precision on 1e18
        mean -= shift
        ready += 1
        total += mean
        squares += mean * mean
        within += max(float(profiles[2 * (base + slot) + 1]), 0.0)
    if ready < 2:
        return 0.0
    least = max(least_variance, least_share * least_share * within / ready)
    if least <= 0.0:
        return 0.0  # a measure that has never moved has no cycle
    # The simpler model's variance for the day profile: pooled over its ready slots.
    pooled = 0.0
    if day_slots == 0:
        floored = 0.0
        for slot in range(slots):
            if counts[base + slot] >= min_points:
                floored += max(float(profiles[2 * (base + slot) + 1]), least)
        average = total / ready
        pooled = floored / ready + max(squares / ready - average * average, 0.0)
    logs, product, in_product, ready, visits = 0.0, 1.0, 0, 0, 0.0
    for slot in range(slots):
        seen = float(counts[base + slot])
        if seen < min_points:
            continue
        reference = pooled
        if day_slots > 0:
            day_slot = min((slot % _WEEK_SLOTS_PER_DAY) * day_slots // 24, day_slots - 1)
            if counts[day_base + day_slot] < day_min_points:
                continue
            reference = max(float(profiles[2 * (day_base + day_slot) + 1]), least)
        product *= reference / max(float(profiles[2 * (base + slot) + 1]), least)
        # A slot's visits are its count, until the count saturates (255): then the series' age
        # in cycles is the better lower bound. Not before: a series coarser than the slots (a
        # daily pool's hours of the week) visits a slot far less than once a cycle.
        visited = seen / visit
        if seen >= _SATURATED:
            visited = max(visited, cycles)
        visits += min(visited, span)
        ready += 1
        in_product += 1
        if in_product == _LOG_EVERY or not 1e-150 < product < 1e150:
            logs += math.log(product)
            product, in_product = 1.0, 0
    logs += math.log(product)
    # Two parameters a slot (mean, variance) beyond the simpler model's: the day profile's
    # one band, or each hour's day slot shared by its 7 week slots.
    spent = 1.0 if day_slots == 0 else ready / 7.0
    freedom = 2.0 * (ready - spent)
    if ready < 2 or freedom <= 0.0:
        return 0.0
    # Every slot weighed by the slots' mean visits: one log per `_LOG_EVERY` slots, not each.
    visits /= ready
    # A variance of few visits is small more often than not (its log is biased low): each
    # log ratio is taken net of that bias, the variance of the simpler model having its own.
    reference_visits = ready * visits if day_slots == 0 else min(day_cycles, span)
    bias = _log_variance_bias(visits) - _log_variance_bias(reference_visits)
    statistic = visits * (logs + ready * bias)
    if statistic <= 0.0:
        return 0.0
    return min(1.0, max(0.0, (statistic / freedom - 1.0) / (critical_ratio(freedom) - 1.0)))
