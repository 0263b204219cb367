"""Why an event a dataset should have taken was not: a bounded reason (a metric label) and text.

Rejections are returned, never raised or dropped: the caller dead-letters and counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "LATE",
    "MISSING_DIMENSION",
    "NO_MEASURES",
    "REJECT_REASONS",
    "SERIES_LIMIT",
    "TIME_OUT_OF_RANGE",
    "RejectReason",
    "Rejection",
]

RejectReason = Literal[
    "missing_dimension", "no_measures", "late", "series_limit", "time_out_of_range"
]
MISSING_DIMENSION: RejectReason = "missing_dimension"
NO_MEASURES: RejectReason = "no_measures"
LATE: RejectReason = "late"
SERIES_LIMIT: RejectReason = "series_limit"
TIME_OUT_OF_RANGE: RejectReason = "time_out_of_range"
REJECT_REASONS: tuple[RejectReason, ...] = (
    MISSING_DIMENSION,
    NO_MEASURES,
    LATE,
    SERIES_LIMIT,
    TIME_OUT_OF_RANGE,
)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: RejectReason
    detail: str
