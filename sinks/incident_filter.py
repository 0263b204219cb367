"""Which incidents a sink takes: by severity, dataset, status and the incident's group.

Each condition left out lets everything through; the ones given must all hold. A filter sees
one incident version at a time: with `min_severity: 70`, an incident opened at 60 and updated
to 80 reaches the sink as its update.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dexwatch.schemas.incident import INCIDENT_STATUSES, IncidentEvent, IncidentStatus
from dexwatch.schemas.metric_event import DimensionName

__all__ = ["IncidentFilter"]


class IncidentFilter(BaseModel):
    """`group: {chain: [ethereum, arbitrum]}` takes incidents whose group has `chain` equal to
    one of those values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_severity: int = Field(default=0, ge=0, le=100)
    datasets: frozenset[str] | None = Field(default=None, description="None: every dataset.")
    statuses: frozenset[IncidentStatus] = Field(default=frozenset(INCIDENT_STATUSES), min_length=1)
    group: dict[DimensionName, frozenset[str]] = Field(default_factory=dict)

    @field_validator("group", mode="before")
    @classmethod
    def _one_value_or_many(cls, value: Any) -> Any:
        """`{chain: ethereum}` is short for `{chain: [ethereum]}`."""
        if isinstance(value, dict):
            return {
                name: [allowed] if isinstance(allowed, str) else allowed
                for name, allowed in value.items()
            }
        return value

    @field_validator("group")
    @classmethod
    def _values_given(cls, value: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
        for name, allowed in value.items():
            if not allowed:
                raise ValueError(f"{name}: give at least one value")
        return value

    def accepts(self, incident: IncidentEvent) -> bool:
        return (
            incident.severity >= self.min_severity
            and (self.datasets is None or incident.dataset in self.datasets)
            and incident.status in self.statuses
            and all(incident.group.get(name) in allowed for name, allowed in self.group.items())
        )
