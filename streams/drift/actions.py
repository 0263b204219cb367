"""Carrying out a drift decision, stepping down to a cheaper action when one fails.

Retrain can fail (not enough recent data), so can rollback (no earlier snapshot); an alert
cannot. `apply_decision` tries the decided action, then each cheaper one in turn (retrain ->
rollback -> alert), and records every attempt with why it failed: the model-actions event and
the failure metric are made from that record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dexwatch.schemas.errors import DexwatchError
from dexwatch.schemas.model_action import step_down_order
from dexwatch.streams.drift.rules import DriftAction, DriftDecision

__all__ = [
    "ActionAttempt",
    "AppliedDecision",
    "DriftActionError",
    "ModelActions",
    "NoSnapshotError",
    "NotEnoughDataError",
    "apply_decision",
]


class DriftActionError(DexwatchError, RuntimeError):
    """A model action could not be carried out; the message says why, for people."""


class NoSnapshotError(DriftActionError, LookupError):
    """Rollback found no earlier snapshot of the series to restore."""


class NotEnoughDataError(DriftActionError):
    """Retrain found too few recent points of the series to build a model from."""


@runtime_checkable
class ModelActions(Protocol):
    """What the worker does to a series' model. Each raises `DriftActionError` on failure.

    Any other exception is a bug and is not caught: it propagates out of `apply_decision`.
    """

    def retrain(self, series: str) -> None:
        """Replace the series' model by one built from its recent points only."""
        ...

    def rollback(self, series: str) -> None:
        """Replace the series' model by an earlier snapshot of it."""
        ...


@dataclass(frozen=True, slots=True)
class ActionAttempt:
    """One action tried on a series: whether it worked, and if not, why."""

    action: DriftAction
    succeeded: bool
    error: str | None = None


@dataclass(frozen=True, slots=True)
class AppliedDecision:
    """A decision and what came of it: the action that took effect and every attempt."""

    decision: DriftDecision
    applied: DriftAction
    attempts: tuple[ActionAttempt, ...]

    @property
    def failures(self) -> tuple[ActionAttempt, ...]:
        return tuple(attempt for attempt in self.attempts if not attempt.succeeded)

    @property
    def stepped_down(self) -> bool:
        return self.applied != self.decision.action


def apply_decision(decision: DriftDecision, actions: ModelActions) -> AppliedDecision:
    """Try `decision.action`, then each cheaper action until one succeeds (alert always does).

    "none" does nothing and records no attempt.
    """
    attempts: list[ActionAttempt] = []
    for action in step_down_order(decision.action):
        try:
            if action == "retrain":
                actions.retrain(decision.series)
            elif action == "rollback":
                actions.rollback(decision.series)
        except DriftActionError as error:
            attempts.append(ActionAttempt(action, succeeded=False, error=str(error)))
            continue
        attempts.append(ActionAttempt(action, succeeded=True))
        return AppliedDecision(decision, action, tuple(attempts))
    return AppliedDecision(decision, "none", tuple(attempts))
