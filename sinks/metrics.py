"""The sinks' Prometheus metrics, in one object with conventional names.

Labels are bounded: `sink` is a configured name, `reason` a closed set (`RETRY_REASONS`,
`SINK_DEAD_LETTER_REASONS`); no incident id or URL is ever a label.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from dexwatch.schemas.sink_dead_letter import SINK_DEAD_LETTER_REASONS
from dexwatch.sinks.base import RETRY_REASONS

__all__ = ["DELIVERY_BUCKETS_S", "SinkMetrics"]

# From an incident version's `updated_at` to its delivery: normally well under a second, but a
# rate limit, an outage or a restarted sink stretches it to minutes or hours.
DELIVERY_BUCKETS_S = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200)


class SinkMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.delivered = Counter(
            "dexwatch_alerts_delivered_total",
            "Alerts (incident versions) the destination took.",
            ["sink"],
            registry=self.registry,
        )
        self.retried = Counter(
            "dexwatch_alerts_retried_total",
            "Delivery attempts that failed and were tried again, by why.",
            ["sink", "reason"],
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "dexwatch_alerts_dead_lettered_total",
            "Alerts written to the sink dead-letter topic instead of delivered, by why.",
            ["sink", "reason"],
            registry=self.registry,
        )
        self.filtered = Counter(
            "dexwatch_alerts_filtered_total",
            "Alerts the sink's filter left out (configured, not an error).",
            ["sink"],
            registry=self.registry,
        )
        self.already_done = Counter(
            "dexwatch_alerts_already_done_total",
            "Alerts read again (after a restart, or written twice) and not sent again.",
            ["sink"],
            registry=self.registry,
        )
        self.snoozed = Counter(
            "dexwatch_alerts_snoozed_total",
            "Alerts held because their incident was snoozed (sent once the snooze ended).",
            ["sink"],
            registry=self.registry,
        )
        self.incidents_snoozed = Gauge(
            "dexwatch_sinks_incidents_snoozed",
            "Incidents whose snooze (from the incident-controls topic) has not ended.",
            registry=self.registry,
        )
        self.delivery_seconds = Histogram(
            "dexwatch_alert_delivery_seconds",
            "From an incident version's updated_at to its delivery.",
            ["sink"],
            buckets=DELIVERY_BUCKETS_S,
            registry=self.registry,
        )

    def add_sink(self, sink: str) -> None:
        """Show a sink's series at zero from the start, so rates and alerts on them work."""
        for counter in (self.delivered, self.filtered, self.already_done, self.snoozed):
            counter.labels(sink=sink)
        self.delivery_seconds.labels(sink=sink)
        for retry in RETRY_REASONS:
            self.retried.labels(sink=sink, reason=retry)
        for dead in SINK_DEAD_LETTER_REASONS:
            self.dead_lettered.labels(sink=sink, reason=dead)
