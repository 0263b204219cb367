"""What the interval aggregator emits and returns: plain frozen records, free of Kafka types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dexwatch.streams.datasets.rejection import Rejection

__all__ = [
    "AddResult",
    "ClosedInterval",
    "Emitted",
    "NoDataInterval",
    "OffsetRange",
    "SourcePosition",
]


@dataclass(frozen=True, slots=True)
class SourcePosition:
    """Where an event was read: it travels with the interval it lands in."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class OffsetRange:
    """The lowest and highest offsets of one partition an interval's events came from."""

    topic: str
    partition: int
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class ClosedInterval:
    """One series' interval, complete: its measures aggregated as the dataset says.

    With interval `none`, one event: `start == end ==` its event time. A measure no event fed
    is 0 for sum, count and count_distinct, and absent for the other aggregations.
    """

    series: str
    dimensions: dict[str, str]
    start: datetime
    end: datetime
    measures: dict[str, float]
    event_count: int
    offsets: tuple[OffsetRange, ...]


@dataclass(frozen=True, slots=True)
class NoDataInterval:
    """A closed interval in which a series that had data before got none.

    `missing` counts the consecutive missing intervals so far (1 for the first).
    """

    series: str
    dimensions: dict[str, str]
    start: datetime
    end: datetime
    missing: int


Emitted = ClosedInterval | NoDataInterval


@dataclass(frozen=True, slots=True)
class AddResult:
    """What one event caused: intervals that closed (in time order), and its rejection if any."""

    emitted: list[Emitted] = field(default_factory=list)
    rejected: Rejection | None = None
