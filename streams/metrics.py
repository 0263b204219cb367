"""The worker's Prometheus metrics, in one object with conventional names.

Labels are bounded: reasons and severity bands are closed sets, datasets come from the
configuration (never from input data), and no series or pool is ever a label.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from dexwatch.schemas.codec import EMPTY, ENVELOPE_TOO_LARGE, INVALID_JSON, INVALID_SCHEMA
from dexwatch.streams.datasets import REJECT_REASONS

__all__ = [
    "DEAD_LETTER_REASONS",
    "HANDLING_ERROR",
    "MEASURES_MISMATCH",
    "OUTPUT_KINDS",
    "SERIES_LIMIT",
    "SEVERITY_BANDS",
    "UNKNOWN_TOPIC",
    "WRITE_ERRORS",
    "WorkerMetrics",
    "severity_band",
]

MEASURES_MISMATCH = "measures_mismatch"
SERIES_LIMIT = "series_limit"
UNKNOWN_TOPIC = "unknown_topic"
HANDLING_ERROR = "handling_error"  # the worker failed on the record (a bug it survives)
# Closed set: the `reason` label must stay bounded whatever the input looks like.
DEAD_LETTER_REASONS = (
    EMPTY,
    ENVELOPE_TOO_LARGE,
    HANDLING_ERROR,
    INVALID_JSON,
    INVALID_SCHEMA,
    MEASURES_MISMATCH,
    UNKNOWN_TOPIC,
    *REJECT_REASONS,  # late, missing_dimension, no_measures, series_limit, time_out_of_range
)
# The `output` and `error` labels of the write-failure counter.
OUTPUT_KINDS = ("dead_letter", "anomaly", "model_action", "band_status")
WRITE_ERRORS = ("too_large", "broker")
SEVERITY_BANDS = ("low", "medium", "high", "critical")


def severity_band(severity: int) -> str:
    """0-49 low, 50-69 medium, 70-89 high, 90-100 critical."""
    if severity >= 90:
        return "critical"
    if severity >= 70:
        return "high"
    return "medium" if severity >= 50 else "low"


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.events_consumed = Counter(
            "dexwatch_events_consumed_total",
            "Records read from the input topics, valid or not.",
            registry=self.registry,
        )
        self.events_scored = Counter(
            "dexwatch_events_scored_total",
            "Points scored by a series model (an event, or a closed interval).",
            registry=self.registry,
        )
        self.events_unmatched = Counter(
            "dexwatch_events_unmatched_total",
            "Valid events that no dataset's filter selected (configured, not an error).",
            registry=self.registry,
        )
        self.events_dead_lettered = Counter(
            "dexwatch_events_dead_lettered_total",
            "Dead letters written to the dead-letter topic (acknowledged by the broker), by "
            "reason.",
            ["reason"],
            registry=self.registry,
        )
        for reason in dict.fromkeys(DEAD_LETTER_REASONS):
            self.events_dead_lettered.labels(reason=reason)
        self.output_write_failures = Counter(
            "dexwatch_output_write_failures_total",
            "Failed attempts to write an output record (dead letter, anomaly, model action, "
            "band status for the incidents), "
            "each retried: the input is not committed past until its outputs are written. "
            "`too_large`: a dead letter is then retried with less of its original.",
            ["output", "error"],
            registry=self.registry,
        )
        for output in OUTPUT_KINDS:
            for error in WRITE_ERRORS:
                self.output_write_failures.labels(output=output, error=error)
        self.offset_holes = Counter(
            "dexwatch_offset_holes_total",
            "Runs of input offsets the consumer skipped (around a rebalance) that the worker then "
            "read directly, so that no record was lost.",
            registry=self.registry,
        )
        self.partition_stalls = Counter(
            "dexwatch_partition_stalls_total",
            "Input partitions found idle with records waiting (nothing delivered past the next "
            "expected offset for a while) and sought to that offset to wake faust's fetcher.",
            registry=self.registry,
        )
        self.partitions_sought_after_outage = Counter(
            "dexwatch_partitions_sought_after_outage_total",
            "Input partitions with records waiting sought to their next offset when the broker "
            "answered again after an outage (faust may not fetch them again by itself); "
            "expected after each broker restart, unlike dexwatch_partition_stalls_total.",
            registry=self.registry,
        )
        self.records_redelivered = Counter(
            "dexwatch_records_redelivered_total",
            "Records the consumer delivered again within one assignment (faust seeks back to "
            "the committed offset after its fetcher has begun): dropped, they were handled.",
            registry=self.registry,
        )
        self.events_already_handled = Counter(
            "dexwatch_events_already_handled_total",
            "Records read again after a restart or rebalance that had been handled before the "
            "committed mark (their intervals already scored): skipped.",
            registry=self.registry,
        )
        self.open_intervals_dropped = Counter(
            "dexwatch_open_intervals_dropped_total",
            "Open intervals dropped with revoked partitions (their records are read again from "
            "the held-back committed offset and the intervals rebuilt).",
            registry=self.registry,
        )
        self.events_late = Counter(
            "dexwatch_events_late_total",
            "Events that arrived after their interval had closed (also dead-lettered).",
            ["dataset"],
            registry=self.registry,
        )
        self.series_idle = Gauge(
            "dexwatch_series_idle",
            "Series of an interval dataset silent while its event time moved idle_timeout on: "
            "their open intervals are closed, and with no_data on their gaps are signalled.",
            ["dataset"],
            registry=self.registry,
        )
        self.anomalies_produced = Counter(
            "dexwatch_anomalies_produced_total",
            "Anomaly events produced to the anomalies topic.",
            registry=self.registry,
        )
        self.anomalies_by_severity = Counter(
            "dexwatch_anomalies_total",
            "Anomaly events by severity band (and `no_data` signals).",
            ["severity_band"],
            registry=self.registry,
        )
        for band in (*SEVERITY_BANDS, "no_data"):
            self.anomalies_by_severity.labels(severity_band=band)
        self.processing_latency = Histogram(
            "dexwatch_processing_latency_seconds",
            "From a record's arrival in the worker to its anomaly being handed to the producer.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.series_live = Gauge(
            "dexwatch_series_live",
            "Series with a model in this worker's memory.",
            registry=self.registry,
        )
        self.series_warming = Gauge(
            "dexwatch_series_warming",
            "Series not yet at full sensitivity: fewer points seen than the detector's record "
            "horizon (record_block * record_blocks); they alert only on large departures.",
            registry=self.registry,
        )
        self.model_memory_bytes = Gauge(
            "dexwatch_model_memory_bytes",
            "Bytes of model state held in memory (the series banks' rows in use).",
            registry=self.registry,
        )
        self.snapshot_age = Gauge(
            "dexwatch_snapshot_age_seconds",
            "Age of the oldest snapshot of a series that has learnt since: the most a crash "
            "would lose.",
            registry=self.registry,
        )
        self.snapshots_refused = Counter(
            "dexwatch_snapshots_refused_total",
            "Series snapshots that could not be restored (saved with other detector settings, "
            "measures or an older detector): those series started afresh.",
            registry=self.registry,
        )
        self.snapshot_writes = Counter(
            "dexwatch_snapshot_writes_total",
            "Model snapshots written to the snapshot tables.",
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "dexwatch_consumer_lag_records",
            "Records of an input topic not yet committed past, in the partitions this worker "
            "holds: the broker's high water minus the group's committed offset (records held in "
            "open intervals included). Sum over workers for the group's lag.",
            ["topic"],
            registry=self.registry,
        )
        self.incident_inputs_lag = Gauge(
            "dexwatch_incident_inputs_lag_records",
            "Records of the incident inputs topic not yet committed past, in the partitions "
            "this worker holds (high water minus committed offset): the incidents' backlog.",
            registry=self.registry,
        )
        # Incidents (streams/incidents): `dataset` comes from the configuration, `status`,
        # `reason` and `verdict` are closed sets.
        self.incidents_open = Gauge(
            "dexwatch_incidents_open",
            "Incidents open (not resolved) in the datasets this worker holds.",
            ["dataset"],
            registry=self.registry,
        )
        self.incident_events = Counter(
            "dexwatch_incident_events_total",
            "Incident versions sent to the alerts topic, by status (open, updated, resolved).",
            ["dataset", "status"],
            registry=self.registry,
        )
        self.anomalies_suppressed = Counter(
            "dexwatch_anomalies_suppressed_total",
            "Anomalies that did not alert, by reason (below_severity, feedback, unconfirmed, "
            "cooldown, maintenance, limit).",
            ["dataset", "reason"],
            registry=self.registry,
        )
        self.feedback_applied = Counter(
            "dexwatch_feedback_applied_total",
            "Feedback verdicts applied from the feedback topic.",
            ["dataset", "verdict"],
            registry=self.registry,
        )
