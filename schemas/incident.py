"""The incident event: related anomalies grouped into one thing people act on.

Anomalies of one interval across related series (same pool on several measures, same token,
same DEX or chain) become one incident with ranked contributors. Each change to an incident is
a new version of it on the alerts topic (key: the incident id), so sinks deliver versions in
order and use `idempotency_key` to never send one version twice as two.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dexwatch.schemas.anomaly_event import AnomalyKind, ContributionName
from dexwatch.schemas.metric_event import DimensionName, DimensionValue, UtcDatetime
from dexwatch.schemas.stable_ids import stable_id, utc_text

__all__ = [
    "INCIDENT_STATUSES",
    "IncidentContributor",
    "IncidentEvent",
    "IncidentFeedback",
    "IncidentStatus",
    "incident_id",
]

# Fixed namespace: incident ids must be identical across processes, restarts and machines.
_INCIDENT_NAMESPACE = uuid.UUID("5d0e7c3a-1b6f-5a28-9e4d-7f3c2a1b0e96")

Finite = Annotated[float, Field(allow_inf_nan=False)]

IncidentStatus = Literal["open", "updated", "resolved"]
INCIDENT_STATUSES: tuple[IncidentStatus, ...] = ("open", "updated", "resolved")


def incident_id(dataset: str, group: str, opened_interval_start: datetime) -> str:
    """A deterministic id: the same group of series opened at the same interval, the same id.

    `group` is the incident's grouping key (e.g. `chain=ethereum`); a replay after a crash
    rebuilds the same incident rather than a new one.
    """
    start = utc_text(opened_interval_start, "opened_interval_start")
    return stable_id(_INCIDENT_NAMESPACE, dataset, group, start)


class IncidentContributor(BaseModel):
    """One series-measure behind an incident, and by how much it moved."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    series: str = Field(description="The series key, as in the anomaly event.")
    dimensions: dict[DimensionName, DimensionValue]
    measure: ContributionName | None = Field(
        description="None for a `no_data` contributor; `a/b` for a ratio the model watches."
    )
    kind: AnomalyKind
    value: Finite | None = None
    expected_low: Finite | None = None
    expected_high: Finite | None = None
    deviation: Finite | None = Field(
        default=None, description="Signed distance from the band's centre, in band widths."
    )
    severity: Annotated[int, Field(ge=0, le=100)]
    share: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = Field(
        description="This contributor's part of the incident (shares sum to 1)."
    )
    anomaly_id: str
    interval_start: UtcDatetime


class IncidentFeedback(BaseModel):
    """What a person said about the incident (`dexwatch feedback`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: Literal["relevant", "not_relevant"]
    note: str | None = Field(default=None, max_length=2000)
    given_at: UtcDatetime


class IncidentEvent(BaseModel):
    """One version of an incident. Key on the alerts topic: `incident_id`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incident_id: str = Field(description="Deterministic: see `incident_id()`.")
    version: int = Field(ge=1, description="1 when opened; +1 on every update and resolution.")
    status: IncidentStatus
    dataset: str = Field(min_length=1, max_length=200)
    group: dict[DimensionName, DimensionValue] = Field(
        description="What the contributors share, e.g. {'chain': 'ethereum', 'token': 'USDC'}."
    )
    title: str = Field(min_length=1, max_length=300, description="What happened, in one line.")
    severity: Annotated[int, Field(ge=0, le=100)] = Field(
        description="The highest contributor severity."
    )
    first_interval_start: UtcDatetime = Field(description="The interval that opened it.")
    interval_start: UtcDatetime = Field(description="The latest anomalous interval.")
    interval_end: UtcDatetime
    resolved_at: UtcDatetime | None = Field(
        default=None, description="Event time at which its series were normal long enough."
    )
    contributors: list[IncidentContributor] = Field(
        min_length=1, description="Ranked, largest share first."
    )
    contributors_total: int | None = Field(
        default=None,
        ge=1,
        description="Series-measures behind the incident, listed or not (at least this many "
        "once the worker's bound on tracked contributors bit).",
    )
    anomaly_ids: list[str] = Field(min_length=1, description="Every anomaly behind it so far.")
    feedback: list[IncidentFeedback] = Field(default_factory=list)
    severity_offset: Annotated[int, Field(ge=-100, le=100)] = Field(
        default=0,
        description="What feedback on earlier incidents added to the severity these series "
        "and measures needed to alert (positive: 'not relevant' made it harder).",
    )
    config_hash: str = Field(max_length=128)
    link: str | None = Field(default=None, max_length=2000, description="The worker's page.")
    updated_at: UtcDatetime = Field(description="When this version was made (wall clock).")

    @property
    def idempotency_key(self) -> str:
        """What sinks send so that a receiver never takes one version twice."""
        return f"{self.incident_id}:{self.version}"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.interval_end < self.interval_start:
            raise ValueError("interval_end is before interval_start")
        if self.interval_start < self.first_interval_start:
            raise ValueError("interval_start is before first_interval_start")
        if (self.status == "resolved") != (self.resolved_at is not None):
            raise ValueError("resolved_at is set exactly when the status is `resolved`")
        if self.status == "open" and self.version != 1:
            raise ValueError("an incident is `open` only in its first version")
        return self
