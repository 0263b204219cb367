"""A signed logarithm: DEX measures (TVL, volume) span many orders of magnitude."""

from __future__ import annotations

import math

__all__ = ["signed_log", "signed_log_inverse"]


def signed_log(value: float) -> float:
    """`sign(v) * log1p(|v|)`: monotone, defined at 0 and for negatives, compresses tails."""
    return math.copysign(math.log1p(abs(value)), value)


def signed_log_inverse(value: float) -> float:
    return math.copysign(math.expm1(abs(value)), value)
