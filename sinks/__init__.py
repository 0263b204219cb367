"""Sinks: deliver incidents from the alerts topic to Slack and to webhooks.

Each sink is its own consumer group on the alerts topic, commits an offset only once its alert
was delivered or dead-lettered, and retries with exponential backoff and full jitter. See
docs/sinks.md.
"""

from dexwatch.sinks.base import (
    GIVE_UP_REASONS,
    RETRY_REASONS,
    Delivered,
    DeliveryOutcome,
    GiveUp,
    RetryLater,
    Sink,
)
from dexwatch.sinks.config import SinksConfig, SlackSinkConfig, WebhookSinkConfig, load_sinks_config
from dexwatch.sinks.delivered_ledger import DeliveredLedger
from dexwatch.sinks.delivery_policy import DeliveryPolicy
from dexwatch.sinks.errors import LedgerError, SinkError
from dexwatch.sinks.incident_filter import IncidentFilter
from dexwatch.sinks.metrics import SinkMetrics
from dexwatch.sinks.retry_after import parse_retry_after
from dexwatch.sinks.retrying_delivery import DeliveryResult, deliver_with_retries
from dexwatch.sinks.runner import run_sinks
from dexwatch.sinks.sink_consumer import SinkConsumer

__all__ = [
    "GIVE_UP_REASONS",
    "RETRY_REASONS",
    "Delivered",
    "DeliveredLedger",
    "DeliveryOutcome",
    "DeliveryPolicy",
    "DeliveryResult",
    "GiveUp",
    "IncidentFilter",
    "LedgerError",
    "RetryLater",
    "Sink",
    "SinkConsumer",
    "SinkError",
    "SinkMetrics",
    "SinksConfig",
    "SlackSinkConfig",
    "WebhookSinkConfig",
    "deliver_with_retries",
    "load_sinks_config",
    "parse_retry_after",
    "run_sinks",
]
