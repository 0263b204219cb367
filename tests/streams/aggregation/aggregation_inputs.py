"""Small builders shared by the aggregation tests: a dataset, event times, and a feeder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dexwatch.streams.aggregation import AddResult, IntervalAggregator, SourcePosition
from dexwatch.streams.datasets import DatasetConfig

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a whole hour: every interval starts here too

MEASURES = [
    {"name": "volume", "aggregation": "sum"},
    {"name": "price", "aggregation": "avg"},
    {"name": "low", "aggregation": "min"},
    {"name": "high", "aggregation": "max"},
    {"name": "tvl", "aggregation": "last"},
    {"name": "trades", "aggregation": "count"},
]


def dataset(**changes: Any) -> DatasetConfig:
    values: dict[str, Any] = {
        "name": "test",
        "source": {"topic": "metrics"},
        "dimensions": ["pool"],
        "measures": MEASURES,
        "interval": "1m",
        "allowed_lateness": "0s",
    }
    return DatasetConfig.model_validate(values | changes)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Feeder:
    """Feeds one aggregator, numbering offsets per partition as a consumer would see them."""

    def __init__(self, aggregator: IntervalAggregator) -> None:
        self.aggregator = aggregator
        self.offsets: dict[int, int] = {}

    def add(
        self, series: str, seconds: float, *, partition: int = 0, **values: float | str
    ) -> AddResult:
        offset = self.offsets.get(partition, 0)
        self.offsets[partition] = offset + 1
        return self.aggregator.add(
            f"pool={series}",
            {"pool": series},
            at(seconds),
            values,
            SourcePosition("metrics", partition, offset),
        )
