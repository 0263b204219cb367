"""The connector's Prometheus metrics, in one object with conventional names.

Every label has a closed set of values (query outcomes, rejection reasons, record kinds,
budget windows): no pool address or error text ever becomes a label.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from dexwatch.connectors.thegraph.upstream_values import REJECTION_REASONS

__all__ = ["QUERY_OUTCOMES", "RECORD_KINDS", "TheGraphMetrics"]

QUERY_OUTCOMES = (
    "ok",
    "indexing_error",
    "auth_error",
    "bad_query",
    "schema_drift",
    "subgraph_not_found",
    "no_indexers",
    "bad_indexers",
    "internal_error",
    "not_yet_indexed",
    "rate_limited",
    "http_error",
    "connection_error",
    "protocol_error",
    "unknown_error",
)
RECORD_KINDS = ("pool_hour", "pool_snapshot", "transaction", "dead_letter")


class TheGraphMetrics:
    """All of the connector's metrics, registered in `registry` (default: a private one)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.queries = Counter(
            "dexwatch_thegraph_queries_total",
            "GraphQL requests sent to The Graph, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in QUERY_OUTCOMES:
            self.queries.labels(outcome=outcome)
        self.query_duration = Histogram(
            "dexwatch_thegraph_query_duration_seconds",
            "Time from sending a request to having its answer.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=self.registry,
        )
        self.retries = Counter(
            "dexwatch_thegraph_retries_total",
            "Requests tried again after a retryable failure.",
            registry=self.registry,
        )
        self.stale_answers = Counter(
            "dexwatch_thegraph_stale_answers_total",
            "Answers from a block older than one already seen (or not the pinned one): dropped.",
            registry=self.registry,
        )
        self.indexing_errors = Counter(
            "dexwatch_thegraph_indexing_errors_total",
            "Answers that came with an indexing error (data kept, alert raised).",
            registry=self.registry,
        )
        self.has_indexing_errors = Gauge(
            "dexwatch_thegraph_has_indexing_errors",
            "1 while the subgraph reports indexing errors, else 0.",
            registry=self.registry,
        )
        self.indexing_lag = Gauge(
            "dexwatch_thegraph_indexing_lag_seconds",
            "Now minus the timestamp of the block the last answer came from.",
            registry=self.registry,
        )
        self.block_number = Gauge(
            "dexwatch_thegraph_block_number",
            "The block the last answer came from.",
            registry=self.registry,
        )
        self.budget_remaining = Gauge(
            "dexwatch_thegraph_query_budget_remaining",
            "Queries left in the budget, per window (minute, month).",
            ["window"],
            registry=self.registry,
        )
        self.upstream_rejected = Counter(
            "dexwatch_thegraph_upstream_rejected_total",
            "Upstream rows refused (and dead-lettered), by reason.",
            ["reason"],
            registry=self.registry,
        )
        for reason in REJECTION_REASONS:
            self.upstream_rejected.labels(reason=reason)
        self.records_produced = Counter(
            "dexwatch_thegraph_records_produced_total",
            "Records the broker acknowledged, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.delivery_errors = Counter(
            "dexwatch_thegraph_delivery_errors_total",
            "Records that could not be delivered, by kind.",
            ["kind"],
            registry=self.registry,
        )
        for kind in RECORD_KINDS:
            self.records_produced.labels(kind=kind)
            self.delivery_errors.labels(kind=kind)
        self.hours_filled = Counter(
            "dexwatch_thegraph_hours_filled_total",
            "Quiet pool-hours emitted with state carried forward and zero flows.",
            registry=self.registry,
        )
        self.pools_watched = Gauge(
            "dexwatch_thegraph_pools_watched",
            "Pools polled in the last cycle.",
            registry=self.registry,
        )
        self.cycles = Counter(
            "dexwatch_thegraph_cycles_total",
            "Poll cycles, by result (ok, failed).",
            ["result"],
            registry=self.registry,
        )
        for result in ("ok", "failed"):
            self.cycles.labels(result=result)
