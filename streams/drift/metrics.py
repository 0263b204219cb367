"""Prometheus counters for drift decisions and failed model actions.

Labels are the action names only (a closed set of three), never a series: the cardinality
stays bounded however many series a worker holds. "none" is not counted; it is the absence of
a decision, made on every point. Held decisions are counted by dataset (a configured, bounded
set) and reason ("anomaly", "hold"): once per anomaly episode of a series, not per point.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from dexwatch.streams.drift.actions import AppliedDecision
from dexwatch.streams.drift.anomaly_hold import HoldReason
from dexwatch.streams.drift.rules import ACTIONS

__all__ = ["DriftMetrics"]


class DriftMetrics:
    """`dexwatch_drift_decisions_total{action}`, `..._action_failures_total{action}` and
    `dexwatch_drift_held_total{dataset,reason}`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.decisions = Counter(
            "dexwatch_drift_decisions_total",
            "Drift decisions that asked for an action, by the action decided.",
            ["action"],
            registry=self.registry,
        )
        self.action_failures = Counter(
            "dexwatch_drift_action_failures_total",
            "Model actions that failed and stepped down to a cheaper one, by the failed action.",
            ["action"],
            registry=self.registry,
        )
        self.held = Counter(
            "dexwatch_drift_held_total",
            "Drift decisions not applied because an anomaly on the series was open or recent.",
            ["dataset", "reason"],
            registry=self.registry,
        )
        for action in ACTIONS[1:]:
            self.decisions.labels(action=action)
            self.action_failures.labels(action=action)

    def record(self, applied: AppliedDecision) -> None:
        """Count one applied decision and each of its failed attempts."""
        if applied.decision.action == "none":
            return
        self.decisions.labels(action=applied.decision.action).inc()
        for attempt in applied.failures:
            self.action_failures.labels(action=attempt.action).inc()

    def record_held(self, dataset: str, reason: HoldReason) -> None:
        """Count one drift decision held back by an anomaly episode."""
        self.held.labels(dataset=dataset, reason=reason).inc()
