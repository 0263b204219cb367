"""Unix times whose unit is read from their size: seconds, ms, microseconds or nanoseconds.

Feeds and CSV exports write epoch times in any of the four units without saying which. The
magnitudes do not overlap for any date between 1973 and 5138 (1e11 s is the year 5138, 1e11 ms
is 1973), so the size of the number names its unit.
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["EPOCH_UNIT_NAMES", "EpochUnit", "epoch_seconds_by_magnitude", "epoch_unit_by_magnitude"]

EpochUnit = Literal["s", "ms", "us", "ns"]

EPOCH_UNIT_NAMES: dict[str, str] = {
    "s": "seconds",
    "ms": "milliseconds",
    "us": "microseconds",
    "ns": "nanoseconds",
}
"""Each unit's name for people ("times: Unix milliseconds")."""

# Upper bounds (exclusive) of |value| for each unit; anything past the last is nanoseconds.
_UNITS: tuple[tuple[float, EpochUnit], ...] = ((1e11, "s"), (1e14, "ms"), (1e17, "us"))

# Divisors rather than factors: 1404172800123 / 1000 is exact to the float, * 1e-3 is not.
_PER_SECOND: dict[EpochUnit, float] = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


def epoch_unit_by_magnitude(value: float) -> EpochUnit:
    """The unit of a Unix time: |v| < 1e11 is seconds, < 1e14 ms, < 1e17 us, anything larger ns.

    Raises `ValueError` for NaN or an infinity.
    """
    if not math.isfinite(value):
        raise ValueError(f"epoch time {value!r} is not a finite number")
    magnitude = abs(value)
    for bound, unit in _UNITS:
        if magnitude < bound:
            return unit
    return "ns"


def epoch_seconds_by_magnitude(value: float) -> tuple[float, str]:
    """`(seconds, unit)` for a Unix time in s, ms, us or ns, the unit chosen by magnitude.

    `epoch_seconds_by_magnitude(1_404_172_800_000)` is `(1404172800.0, "ms")`.
    Raises `ValueError` for NaN or an infinity.
    """
    unit = epoch_unit_by_magnitude(value)
    return value / _PER_SECOND[unit], unit
