"""The rules that turn a series' drift scores into one decision: retrain, roll back, alert, none.

Drift is not an anomaly: when a series' distribution shifts, the model has to be looked after.
The highest drift score picks the action by thresholds (strictly above each one); a drifting
high-impact measure (e.g. TVL) then raises it one step, none -> alert -> rollback -> retrain.
Every decision carries its reason in plain words, naming the measures and their scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dexwatch.schemas.model_action import MODEL_ACTIONS, ModelActionName
from dexwatch.streams.drift.monitor import DriftScores

__all__ = [
    "ACTIONS",
    "MODEL_SCORE",
    "DriftAction",
    "DriftDecision",
    "DriftRuleSettings",
    "decide",
]

DriftAction = ModelActionName
# Cheapest first: escalating moves right, stepping down after a failure moves left.
ACTIONS = MODEL_ACTIONS
# How the model's scores are named in reasons (no measure can be called this: it has a space).
MODEL_SCORE = "model scores"


class DriftRuleSettings(BaseModel):
    """When drift leads to which action (the defaults of the design; each may be changed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    retrain_above: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Retrain when a drift score is above this."
    )
    rollback_above: float = Field(
        default=0.3, ge=0.0, le=1.0, description="Roll back when a drift score is above this."
    )
    alert_above: float = Field(
        default=0.1, ge=0.0, le=1.0, description="Alert only when a drift score is above this."
    )
    high_impact_measures: tuple[str, ...] = Field(
        default=("tvl_usd",),
        description="Measures whose drift raises the decision one step; () for none.",
    )
    high_impact_drifting_above: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="A high-impact measure is drifting when its drift score is above this.",
    )

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> Self:
        if not self.alert_above <= self.rollback_above <= self.retrain_above:
            raise ValueError(
                "thresholds must satisfy alert_above <= rollback_above <= retrain_above, got "
                f"{self.alert_above}, {self.rollback_above}, {self.retrain_above}"
            )
        return self

    def threshold(self, action: DriftAction) -> float:
        """The drift score an action needs to be exceeded ("none" needs nothing)."""
        return {
            "none": 0.0,
            "alert": self.alert_above,
            "rollback": self.rollback_above,
            "retrain": self.retrain_above,
        }[action]


@dataclass(frozen=True, slots=True)
class DriftDecision:
    """What to do about one series' drift, why, and the scores it was decided on."""

    series: str
    action: DriftAction
    reason: str
    scores: DriftScores
    by_threshold: DriftAction  # before any high-impact escalation
    escalated_by: tuple[str, ...] = ()  # the drifting high-impact measures


def decide(series: str, scores: DriftScores, settings: DriftRuleSettings) -> DriftDecision:
    """The decision for one series' current drift scores, by the rules in `settings`."""
    channels = {**scores.measures, MODEL_SCORE: scores.model_score}
    name, highest = max(channels.items(), key=lambda item: (item[1], item[0] != MODEL_SCORE))
    by_threshold: DriftAction = "none"
    for action in reversed(ACTIONS[1:]):
        if highest > settings.threshold(action):
            by_threshold = action
            break
    escalated_by = tuple(
        measure
        for measure in settings.high_impact_measures
        if scores.measures.get(measure, 0.0) > settings.high_impact_drifting_above
    )
    action = by_threshold
    if escalated_by:
        action = ACTIONS[min(ACTIONS.index(by_threshold) + 1, len(ACTIONS) - 1)]
    reason = _reason(name, highest, by_threshold, action, escalated_by, scores, settings)
    return DriftDecision(series, action, reason, scores, by_threshold, escalated_by)


def _reason(
    name: str,
    highest: float,
    by_threshold: DriftAction,
    action: DriftAction,
    escalated_by: tuple[str, ...],
    scores: DriftScores,
    settings: DriftRuleSettings,
) -> str:
    if by_threshold == "none":
        first = (
            f"no drift above the alert threshold: the highest drift score is {highest:.2f} "
            f"({name}), not above {settings.alert_above:g}"
        )
    else:
        drifting = sorted(
            (
                (score, channel)
                for channel, score in {**scores.measures, MODEL_SCORE: scores.model_score}.items()
                if score > settings.alert_above
            ),
            reverse=True,
        )
        listed = ", ".join(f"{channel} {score:.2f}" for score, channel in drifting)
        first = (
            f"{by_threshold}: drift score {highest:.2f} on {name} is above the {by_threshold} "
            f"threshold {settings.threshold(by_threshold):g} (drifting: {listed})"
        )
    if not escalated_by:
        return first
    measures = ", ".join(f"{measure} {scores.measures[measure]:.2f}" for measure in escalated_by)
    if action == by_threshold:
        return f"{first}; high-impact measure drifting ({measures}), already at the top action"
    return f"{first}; high-impact measure drifting ({measures}) raises it to {action}"
