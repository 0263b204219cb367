"""The Graph connector: DEX pools and transactions from a subgraph (v3 or v2 schema) to Kafka.

`TheGraphConnector` runs poll cycles; `TheGraphSettings` configures it; see
docs/thegraph-connector.md for how to run it and what it emits.
"""

from dexwatch.connectors.thegraph.checkpoint import Checkpoint, CheckpointStore
from dexwatch.connectors.thegraph.clock import Clock, SystemClock
from dexwatch.connectors.thegraph.connector import CycleReport, TheGraphConnector
from dexwatch.connectors.thegraph.errors import (
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
from dexwatch.connectors.thegraph.metrics import TheGraphMetrics
from dexwatch.connectors.thegraph.record_sink import KafkaRecordSink, RecordSink
from dexwatch.connectors.thegraph.settings import TheGraphSettings, load_settings

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
