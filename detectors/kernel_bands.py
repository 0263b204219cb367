"""Compiled pieces every view of the series model is made of: bands and records.

A **band** is three floats in a row: an exponentially weighted mean and variance and the
points seen. A **sliding maximum** is the largest value seen over the last few blocks of points,
kept as block maxima in `blocks + 3` floats (the repeat guard's recent scores; a view's record
is a tail, `record_tail`). Both live in a series' flat `small` row.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

import numba

__all__ = [
    "band_learn",
    "compiled",
    "ewm_learn",
    "record_learn",
    "record_value",
    "young_floor",
]

_F = TypeVar("_F")


def compiled(function: _F) -> _F:
    """`numba.njit(cache=True)`, typed so that mypy sees the Python function's signature."""
    return cast(_F, numba.njit(cache=True, nogil=True)(function))


@compiled
def ewm_learn(state: Any, at: int, first: bool, value: float, alpha: float) -> None:
    """Exponentially weighted mean at `at` and variance at `at + 1` (West's update)."""
    if first:
        state[at] = value
    else:
        difference = value - state[at]
        increment = alpha * difference
        state[at] += increment
        state[at + 1] = (1.0 - alpha) * (state[at + 1] + difference * increment)


@compiled
def band_learn(state: Any, at: int, value: float, alpha: float) -> None:
    # Until it has seen 1 / alpha points, a band is the plain mean and variance of what it has
    # seen: an EWM started from nothing would hold a variance biased towards zero for that long,
    # and every early point would look like a record.
    seen = state[at + 2]
    ewm_learn(state, at, seen == 0.0, value, max(alpha, 1.0 / (seen + 1.0)))
    state[at + 2] = seen + 1.0


@compiled
def record_value(state: Any, at: int, blocks: int) -> float:
    largest = state[at + blocks]
    for block in range(blocks):
        largest = max(largest, state[at + block])
    return float(largest)


@compiled
def record_learn(state: Any, at: int, blocks: int, block_size: int, value: float) -> None:
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


@compiled
def young_floor(width: float, prior: float, coverage: float) -> float:
    """The least a record is taken as: the band's width, and while the record has not seen its
    horizon, `prior` (what noise reaches once in a horizon) from twice that fading to once."""
    if coverage >= 1.0:
        return width
    return max(width, prior * (2.0 - coverage))
