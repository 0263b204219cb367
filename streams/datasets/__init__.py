"""Datasets as configuration: what to watch, loaded from YAML, and how events map onto it."""

from dexwatch.streams.datasets.alerting_config import AlertingConfig
from dexwatch.streams.datasets.config import DatasetConfig
from dexwatch.streams.datasets.config_hash import alerting_hash, config_hash, incident_config_hash
from dexwatch.streams.datasets.event_selection import EventSelector, Observation
from dexwatch.streams.datasets.loading import load_datasets
from dexwatch.streams.datasets.measure_spec import MeasureSpec
from dexwatch.streams.datasets.rejection import REJECT_REASONS, Rejection
from dexwatch.streams.datasets.source import DatasetSource, SourceFilter

__all__ = [
    "REJECT_REASONS",
    "AlertingConfig",
    "DatasetConfig",
    "DatasetSource",
    "EventSelector",
    "MeasureSpec",
    "Observation",
    "Rejection",
    "SourceFilter",
    "alerting_hash",
    "config_hash",
    "incident_config_hash",
    "load_datasets",
]
