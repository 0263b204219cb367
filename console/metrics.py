"""The console's Prometheus metrics, in one object with conventional names.

Labels are bounded: `topic` is one of the console's six topics, `table` one of the store's,
`route` the route's pattern (never the path with its ids), `status` an HTTP code.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["ConsoleMetrics"]

# Queries of a local SQLite store: most take milliseconds, a large series view tens of them.
REQUEST_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class ConsoleMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.records_consumed = Counter(
            "dexwatch_console_records_consumed_total",
            "Records the console read into its store, by topic.",
            ["topic"],
            registry=self.registry,
        )
        self.records_refused = Counter(
            "dexwatch_console_records_refused_total",
            "Records the console could not read (not the topic's event schema), by topic.",
            ["topic"],
            registry=self.registry,
        )
        self.store_rows = Gauge(
            "dexwatch_console_store_rows",
            "Rows in the console's store, by table.",
            ["table"],
            registry=self.registry,
        )
        self.rows_pruned = Counter(
            "dexwatch_console_rows_pruned_total",
            "Rows dropped from the store past their dataset's retention.",
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "dexwatch_console_request_seconds",
            "Time to answer an HTTP request, by route pattern, method and status.",
            ["route", "method", "status"],
            buckets=REQUEST_BUCKETS_S,
            registry=self.registry,
        )
        self.incidents_snoozed = Gauge(
            "dexwatch_console_incidents_snoozed",
            "Incidents whose snooze has not ended: the sinks hold their next versions.",
            registry=self.registry,
        )
        self.backtest_jobs = Gauge(
            "dexwatch_console_backtest_jobs",
            "Backtest jobs by state.",
            ["state"],
            registry=self.registry,
        )

    def add_topics(self, topics: tuple[str, ...]) -> None:
        """Show each topic's series at zero from the start, so rates on them work."""
        for topic in topics:
            self.records_consumed.labels(topic=topic)
            self.records_refused.labels(topic=topic)
