"""A view's record, estimated from the tail of its surprises: what it reaches once in a horizon.

A view's |z| is judged against the |z| it reaches about once in its record horizon (1,500
points, or 30 days). Taking that as the largest |z| seen over the horizon made one past anomaly
the bar for a whole month: after a spike of 100 sd on a flat series, a level shift of 10 sd
went unseen for 30 days. Extreme value theory gives the same quantity from the tail as a whole
(peaks over threshold, as in SPOT, Siffer et al., KDD 2017): over a threshold `u` the excesses
of |z| are close to exponential with a scale `s`, and |z| passes `u` at a rate `p`, so the
|z| passed once in `n` points is

    u + s * log(p * n)

`u` is the |z| Gaussian noise passes 2% of the time (SPOT's 98% starting threshold); `p` and
`s` are learnt over the horizon (`s` as the mean of the excesses, its maximum likelihood
estimate). One outlier moves `s` by its excess over the exceedances of a horizon, and fades as
new ones come; a heavy-tailed measure (log volume) gets a larger `s`, and so fewer records.

A return level far beyond the sample it was fitted on is a guess, not an estimate (Coles, *An
Introduction to Statistical Modeling of Extreme Values*, 2001, 4.4.2). A 1 Hz sensor's 30-day
horizon is 2.6 million points: from its first 1,000, `log(p n)` would stretch the tail 11
scales, and a record would need 7-18 sd. So `n` is at most `TAIL_REACH` (4) times the points
the tail has learnt (never less than that many times the caller's `least`, whose young floor
covers a series younger than it): a young series' records grow with its age, up to the
horizon's.

**A run of passes is learnt when it is over.** A depeg that deepens for hours passes `u` at
every point; learnt as it came, each point raised `s` and the record rose with the departure
(from 9 to 15 sd in the USDC SVB depeg's first three hours, so the deepening depeg read as
ever less surprising). While |z| stays above `u` the points are held back, their count and the
sum of their excesses; the first point back under `u` learns them (each at the run's mean
excess, as the points themselves would have been, bar their order). A departure is judged
against the tail from before it for as long as it lasts, and teaches the tail afterwards;
between departures nothing changes.

Six floats a view: the rate, points learnt, the scale, excesses learnt, and the run held back
(points, sum of excesses).
"""

from __future__ import annotations

import math
from typing import Any

from dexwatch.detectors.kernel_bands import compiled
from dexwatch.detectors.series_layout import TAIL_SIZE

__all__ = ["TAIL_FROM", "TAIL_REACH", "TAIL_SIZE", "tail_coverage", "tail_learn", "tail_level"]

TAIL_FROM = 2.3263  # |z| that Gaussian noise passes 2% of the time (two-sided)
TAIL_REACH = 4.0  # a record is extrapolated at most this many times past the points learnt

_RATE, _SEEN, _SCALE, _EXCESSES, _RUN, _RUN_EXCESS = 0, 1, 2, 3, 4, 5


@compiled
def tail_level(state: Any, at: int, horizon: float, least: float) -> float:
    """The |z| passed about once in `horizon` points (0 while less than one pass is expected),
    or in `TAIL_REACH` times the points learnt (at least `least`) if that is fewer."""
    reach = TAIL_REACH * max(float(state[at + _SEEN]), least)
    expected = state[at + _RATE] * min(horizon, reach)
    if state[at + _EXCESSES] == 0.0 or expected <= 1.0:
        return 0.0
    return TAIL_FROM + float(state[at + _SCALE]) * math.log(expected)


@compiled
def _learn_one(state: Any, at: int, horizon: float, passed: float, excess: float) -> None:
    """Learn a point that passed (1.0) or not (0.0): plain means while young, then
    exponentially weighted over `horizon`."""
    seen = state[at + _SEEN]
    state[at + _RATE] += max(1.0 / horizon, 1.0 / (seen + 1.0)) * (passed - state[at + _RATE])
    state[at + _SEEN] = seen + 1.0
    if passed:
        # The scale remembers the excesses of about one horizon.
        excesses = state[at + _EXCESSES]
        memory = max(state[at + _RATE] * horizon, 1.0)
        alpha = max(1.0 / memory, 1.0 / (excesses + 1.0))
        state[at + _SCALE] += alpha * (excess - state[at + _SCALE])
        state[at + _EXCESSES] = excesses + 1.0


@compiled
def tail_learn(state: Any, at: int, horizon: float, value: float) -> None:
    """Learn one |z|, or hold it back while a run of passes of `TAIL_FROM` lasts."""
    if value > TAIL_FROM:
        state[at + _RUN] += 1.0
        state[at + _RUN_EXCESS] += value - TAIL_FROM
        return
    run = int(state[at + _RUN])
    if run > 0:
        excess = state[at + _RUN_EXCESS] / run
        for _ in range(run):
            _learn_one(state, at, horizon, 1.0, excess)
        state[at + _RUN] = 0.0
        state[at + _RUN_EXCESS] = 0.0
    _learn_one(state, at, horizon, 0.0, 0.0)


@compiled
def tail_coverage(state: Any, at: int, horizon: float) -> float:
    """How much of `horizon` points the tail has learnt, 0..1 (a young view's record is wide)."""
    return min(1.0, float(state[at + _SEEN]) / horizon)
