"""The drift counters: decisions by action, failed actions by action, on a given registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from dexwatch.streams.drift import (
    ActionAttempt,
    AppliedDecision,
    DriftDecision,
    DriftMetrics,
    DriftScores,
)
from dexwatch.streams.drift.rules import DriftAction


def applied(decided: DriftAction, *attempts: ActionAttempt) -> AppliedDecision:
    decision = DriftDecision("pool=a", decided, "why", DriftScores({"tvl_usd": 0.6}), decided)
    last = attempts[-1].action if attempts else "none"
    return AppliedDecision(decision, last, attempts)


def value(registry: CollectorRegistry, name: str, action: str) -> float | None:
    return registry.get_sample_value(name, {"action": action})


def test_labels_exist_before_anything_happens() -> None:
    registry = CollectorRegistry()
    DriftMetrics(registry)
    for action in ("alert", "rollback", "retrain"):
        assert value(registry, "dexwatch_drift_decisions_total", action) == 0.0
        assert value(registry, "dexwatch_drift_action_failures_total", action) == 0.0
    assert value(registry, "dexwatch_drift_decisions_total", "none") is None


def test_decisions_and_failures_are_counted() -> None:
    metrics = DriftMetrics(CollectorRegistry())
    metrics.record(
        applied(
            "retrain",
            ActionAttempt("retrain", succeeded=False, error="no data"),
            ActionAttempt("rollback", succeeded=True),
        )
    )
    metrics.record(applied("alert", ActionAttempt("alert", succeeded=True)))
    metrics.record(applied("none"))
    registry = metrics.registry
    assert value(registry, "dexwatch_drift_decisions_total", "retrain") == 1.0
    assert value(registry, "dexwatch_drift_decisions_total", "alert") == 1.0
    assert value(registry, "dexwatch_drift_decisions_total", "rollback") == 0.0
    assert value(registry, "dexwatch_drift_action_failures_total", "retrain") == 1.0
    assert value(registry, "dexwatch_drift_action_failures_total", "rollback") == 0.0
