"""The feedback event: a person's verdict on an incident, on the feedback topic.

`dexwatch feedback INCIDENT_ID --relevant | --not-relevant` writes one. It names the incident's
series and measures (`targets`), so the worker can make them need a higher (or lower) severity
to alert again without having to keep every incident it ever opened. Key: the dataset name.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.metric_event import MeasureName, UtcDatetime
from dexwatch.schemas.stable_ids import stable_id

__all__ = ["FeedbackEvent", "FeedbackTarget", "FeedbackVerdict", "feedback_id", "feedback_on"]

_FEEDBACK_NAMESPACE = uuid.UUID("b7a1c0d2-4e3f-5a6b-8c9d-0e1f2a3b4c5d")

FeedbackVerdict = Literal["relevant", "not_relevant"]


def feedback_id(incident_id: str, verdict: FeedbackVerdict, given_at_iso: str) -> str:
    """Deterministic, so a retried `dexwatch feedback` is one verdict, not two."""
    return stable_id(_FEEDBACK_NAMESPACE, incident_id, verdict, given_at_iso)


class FeedbackTarget(BaseModel):
    """One series-measure the verdict is about (`measure` None: the series' no-data alerts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    series: str
    measure: MeasureName | None


class FeedbackEvent(BaseModel):
    """A verdict on one incident. Key on the feedback topic: the dataset name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feedback_id: str = Field(description="Deterministic: see `feedback_id()`.")
    incident_id: str = Field(min_length=1)
    dataset: str = Field(min_length=1, max_length=200)
    verdict: FeedbackVerdict
    note: str | None = Field(default=None, max_length=2000)
    targets: list[FeedbackTarget] = Field(
        min_length=1, description="The incident's contributors: what the verdict applies to."
    )
    given_at: UtcDatetime = Field(description="When the person gave it (wall clock).")

    def given_at_iso(self) -> str:
        return self.given_at.astimezone(UTC).isoformat()


def feedback_on(
    incident: IncidentEvent, verdict: FeedbackVerdict, note: str | None, given_at: datetime
) -> FeedbackEvent:
    """The verdict on `incident` (its latest version), naming each of its series-measures once:
    what `dexwatch feedback` and the console's API send."""
    targets = list(
        dict.fromkeys(
            FeedbackTarget(series=c.series, measure=c.measure) for c in incident.contributors
        )
    )
    return FeedbackEvent(
        feedback_id=feedback_id(incident.incident_id, verdict, given_at.isoformat()),
        incident_id=incident.incident_id,
        dataset=incident.dataset,
        verdict=verdict,
        note=note,
        targets=targets,
        given_at=given_at,
    )
