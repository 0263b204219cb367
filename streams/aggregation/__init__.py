"""Interval aggregation in event time: per-series buckets, a watermark, no-data signals."""

from dexwatch.streams.aggregation.interval_aggregator import AggregatorCounts, IntervalAggregator
from dexwatch.streams.aggregation.interval_outputs import (
    AddResult,
    ClosedInterval,
    Emitted,
    NoDataInterval,
    OffsetRange,
    SourcePosition,
)

__all__ = [
    "AddResult",
    "AggregatorCounts",
    "ClosedInterval",
    "Emitted",
    "IntervalAggregator",
    "NoDataInterval",
    "OffsetRange",
    "SourcePosition",
]
