"""Priming: the worker's models learn a dataset's history before it runs (docs/priming.md)."""

from dexwatch.streams.priming.history_primer import HistoryPrimer, PrimedSeries
from dexwatch.streams.priming.record_feed import file_records, partition_of, topic_records

__all__ = ["HistoryPrimer", "PrimedSeries", "file_records", "partition_of", "topic_records"]
