"""Drift decisions, as pure logic: measure drift per series, decide, act, step down, report.

The worker calls, per point of a series: `AnomalyHold.observe` (anomalous points are neither
kept nor learnt) -> `DriftMonitor.update` -> `decide` -> (when the action is not "none" and no
anomaly holds it) `apply_decision` with its `ModelActions`, `DriftMetrics.record`,
`model_action_event`, then `DriftMonitor.rebase`. See docs/drift.md.
"""

from dexwatch.streams.drift.action_event import model_action_event
from dexwatch.streams.drift.actions import (
    ActionAttempt,
    AppliedDecision,
    DriftActionError,
    ModelActions,
    NoSnapshotError,
    NotEnoughDataError,
    apply_decision,
)
from dexwatch.streams.drift.anomaly_hold import AnomalyHold, HoldReason
from dexwatch.streams.drift.channel import DriftChannel
from dexwatch.streams.drift.metrics import DriftMetrics
from dexwatch.streams.drift.monitor import DriftMonitor, DriftMonitorSettings, DriftScores
from dexwatch.streams.drift.recent_points import RecentPoints
from dexwatch.streams.drift.rules import (
    ACTIONS,
    MODEL_SCORE,
    DriftAction,
    DriftDecision,
    DriftRuleSettings,
    decide,
)

__all__ = [
    "ACTIONS",
    "MODEL_SCORE",
    "ActionAttempt",
    "AnomalyHold",
    "AppliedDecision",
    "DriftAction",
    "DriftActionError",
    "DriftChannel",
    "DriftDecision",
    "DriftMetrics",
    "DriftMonitor",
    "DriftMonitorSettings",
    "DriftRuleSettings",
    "DriftScores",
    "HoldReason",
    "ModelActions",
    "NoSnapshotError",
    "NotEnoughDataError",
    "RecentPoints",
    "apply_decision",
    "decide",
    "model_action_event",
]
