"""The Graph connector: DEX pools and transactions from a subgraph (v3 or v2 schema) to Kafka.

`TheGraphConnector` runs poll cycles; `TheGraphSettings` configures it; see
docs/thegraph-connector.md for how to run it and what it emits.
"""

from connectors.thegraph.checkpoint import Checkpoint, CheckpointStore
from connectors.thegraph.clock import Clock, SystemClock
from connectors.thegraph.connector import CycleReport, TheGraphConnector
from connectors.thegraph.errors import (
    AuthError,
    BadQueryError,
    BudgetExhaustedError,
    CheckpointError,
    FatalQueryError,
    RetriesExhaustedError,
    RetryableQueryError,
    SchemaDriftError,
    StaleBlockError,
    TheGraphError,
    UpstreamValueError,
)
from connectors.thegraph.metrics import TheGraphMetrics
from connectors.thegraph.record_sink import KafkaRecordSink, RecordSink
from connectors.thegraph.settings import TheGraphSettings, load_settings

__all__ = [
    "AuthError",
    "BadQueryError",
    "BudgetExhaustedError",
    "Checkpoint",
    "CheckpointError",
    "CheckpointStore",
    "Clock",
    "CycleReport",
    "FatalQueryError",
    "KafkaRecordSink",
    "RecordSink",
    "RetriesExhaustedError",
    "RetryableQueryError",
    "SchemaDriftError",
    "StaleBlockError",
    "SystemClock",
    "TheGraphConnector",
    "TheGraphError",
    "TheGraphMetrics",
    "TheGraphSettings",
    "UpstreamValueError",
    "load_settings",
]
