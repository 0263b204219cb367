"""Incident books over a small DEX dataset, for the incident tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dexwatch.schemas import AnomalyEvent
from dexwatch.streams.datasets import DatasetConfig
from dexwatch.streams.incidents.book import BookResult, IncidentBook
from dexwatch.streams.incidents.limits import DEFAULT_LIMITS, IncidentLimits

__all__ = ["dataset", "judged", "make_book"]

WAIT = 2.0  # the default group_wait, seconds


def dataset(interval: str = "5m", **alerting: Any) -> DatasetConfig:
    return DatasetConfig.model_validate(
        {
            "name": "pools",
            "source": {"topic": "metrics"},
            "dimensions": ["chain", "dex", "pair", "pool"],
            "measures": [
                {"name": "volume_usd", "aggregation": "sum"},
                {"name": "tx_count", "aggregation": "sum"},
            ],
            "interval": interval,
            "alerting": alerting,
        }
    )


def make_book(
    interval: str = "5m", limits: IncidentLimits = DEFAULT_LIMITS, **alerting: Any
) -> IncidentBook:
    return IncidentBook(dataset(interval, **alerting), limits=limits)


def judged(book: IncidentBook, anomalies: Iterable[AnomalyEvent], now: float = 0.0) -> BookResult:
    """Add `anomalies` at wall clock `now`, let the group wait pass, and take the result."""
    for event in anomalies:
        book.add_anomaly(event, now)
    book.advance(now + WAIT)
    return book.take_result()
