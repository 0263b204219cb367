"""The worker's Prometheus metrics, in one object with conventional names."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from schemas.codec import INVALID_JSON, INVALID_SCHEMA

__all__ = ["DEAD_LETTER_REASONS", "WorkerMetrics"]

MEASURES_MISMATCH = "measures_mismatch"
SERIES_LIMIT = "series_limit"
# Closed set: the `reason` label must stay bounded whatever the input looks like.
DEAD_LETTER_REASONS = (INVALID_JSON, INVALID_SCHEMA, MEASURES_MISMATCH, SERIES_LIMIT)


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.events_consumed = Counter(
            "dexwatch_events_consumed_total",
            "Metric events read from the metrics topic, valid or not.",
            registry=self.registry,
        )
        self.events_scored = Counter(
            "dexwatch_events_scored_total",
            "Metric events that passed validation and were scored.",
            registry=self.registry,
        )
        self.events_dead_lettered = Counter(
            "dexwatch_events_dead_lettered_total",
            "Events sent to the dead-letter topic, by reason.",
            ["reason"],
            registry=self.registry,
        )
        for reason in DEAD_LETTER_REASONS:
            self.events_dead_lettered.labels(reason=reason)
        self.anomalies_produced = Counter(
            "dexwatch_anomalies_produced_total",
            "Anomaly events produced to the anomalies topic.",
            registry=self.registry,
        )
        self.series_live = Gauge(
            "dexwatch_series_live",
            "Series with a model in this worker's memory.",
            registry=self.registry,
        )
