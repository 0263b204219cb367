"""The model-action event: what drift made the worker do to one series' model, and why.

Published on the model-actions topic for every drift decision that asks for something
(alert, rollback or retrain), with each attempt: a failed retrain that stepped down to a
rollback shows both. Key on the topic: the series key.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dexwatch.schemas.metric_event import DimensionName, DimensionValue, MeasureName, UtcDatetime
from dexwatch.schemas.stable_ids import stable_id, utc_text

__all__ = [
    "MODEL_ACTIONS",
    "ActionAttemptRecord",
    "DriftScore",
    "ModelActionEvent",
    "ModelActionName",
    "model_action_id",
    "step_down_order",
]

ModelActionName = Literal["none", "alert", "rollback", "retrain"]
# Cheapest first: a failed action steps down to the one on its left.
MODEL_ACTIONS: tuple[ModelActionName, ...] = ("none", "alert", "rollback", "retrain")

DriftScore = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]

# Fixed namespace: action ids must be identical across processes, restarts and machines.
_ACTION_NAMESPACE = uuid.UUID("8c2f5a61-3d7e-5b94-a0c1-6e4d2b9f7a30")


def step_down_order(action: ModelActionName) -> tuple[ModelActionName, ...]:
    """The actions to try for a decision, most expensive first: retrain, rollback, alert."""
    return tuple(reversed(MODEL_ACTIONS[1 : MODEL_ACTIONS.index(action) + 1]))


def model_action_id(dataset: str, series: str, at: datetime, action: ModelActionName) -> str:
    """A deterministic id: the same decision on the same series at the same time, the same id.

    Sinks use it as an idempotency key, so a decision replayed after a crash is not a second one.
    """
    return stable_id(_ACTION_NAMESPACE, dataset, series, utc_text(at, "at"), action)


class ActionAttemptRecord(BaseModel):
    """One action tried on the model, and why it failed when it did."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: ModelActionName
    succeeded: bool
    error: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _failure_has_reason(self) -> Self:
        if self.succeeded == (self.error is not None):
            raise ValueError("a failed attempt needs an error, a successful one has none")
        return self


class ModelActionEvent(BaseModel):
    """A drift decision on one series and what was done about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action_id: str = Field(description="Deterministic: see `model_action_id()`.")
    dataset: str = Field(min_length=1, max_length=200)
    series: str = Field(description="The series key, as in the anomaly event.")
    dimensions: dict[DimensionName, DimensionValue]
    decided_action: ModelActionName = Field(description="What the drift rules asked for.")
    applied_action: ModelActionName = Field(description="What took effect after any step-down.")
    attempts: list[ActionAttemptRecord] = Field(
        min_length=1, description="Every action tried, most expensive first."
    )
    reason: str = Field(min_length=1, max_length=2000, description="The decision in words.")
    escalated_by: list[MeasureName] = Field(
        default_factory=list, description="High-impact measures that raised the decision."
    )
    measure_drift: dict[MeasureName, DriftScore] = Field(
        description="The drift score of each input measure."
    )
    score_drift: DriftScore = Field(description="The drift score of the model's scores.")
    at: UtcDatetime = Field(description="When the decision was made (the series' event time).")
    detector_version: str = Field(min_length=1, max_length=100)
    config_hash: str = Field(min_length=1, max_length=128)

    @model_validator(mode="after")
    def _attempts_agree(self) -> Self:
        if self.decided_action == "none":
            raise ValueError("no event is written for a decision to do nothing")
        tried = [attempt.action for attempt in self.attempts]
        expected = list(step_down_order(self.decided_action)[: len(tried)])
        if tried != expected:
            raise ValueError(f"attempts {tried} do not step down from {self.decided_action}")
        *failed, last = self.attempts
        if any(attempt.succeeded for attempt in failed):
            raise ValueError("only the last attempt may succeed")
        if not (last.succeeded and last.action == self.applied_action):
            raise ValueError("the last attempt must be the applied action, succeeded")
        return self
