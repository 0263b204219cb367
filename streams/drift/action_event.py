"""The model-action event for an applied drift decision: what the worker publishes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from dexwatch.schemas.model_action import ActionAttemptRecord, ModelActionEvent, model_action_id
from dexwatch.streams.drift.actions import AppliedDecision

__all__ = ["model_action_event"]


def model_action_event(
    applied: AppliedDecision,
    *,
    dataset: str,
    dimensions: Mapping[str, str],
    at: datetime,
    detector_version: str,
    config_hash: str,
) -> ModelActionEvent:
    """The event for `applied` (a decision other than "none"), made at event time `at`.

    Its id depends on the dataset, the series, `at` and the decided action only, so the same
    decision replayed after a crash carries the same id.
    """
    decision = applied.decision
    return ModelActionEvent(
        action_id=model_action_id(dataset, decision.series, at, decision.action),
        dataset=dataset,
        series=decision.series,
        dimensions=dict(dimensions),
        decided_action=decision.action,
        applied_action=applied.applied,
        attempts=[
            ActionAttemptRecord(
                action=attempt.action, succeeded=attempt.succeeded, error=attempt.error
            )
            for attempt in applied.attempts
        ],
        reason=decision.reason,
        escalated_by=list(decision.escalated_by),
        measure_drift=dict(decision.scores.measures),
        score_drift=decision.scores.model_score,
        at=at,
        detector_version=detector_version,
        config_hash=config_hash,
    )
