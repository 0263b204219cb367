"""The incident control: what people decided about an incident (acknowledged, snoozed).

The console writes the whole current state of an incident's controls to the compacted
incident-controls topic, keyed by the incident id, so the latest record is all there is to
know. The sinks read it: a version of a snoozed incident waits until the snooze ends.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dexwatch.schemas.metric_event import UtcDatetime

__all__ = ["IncidentControl"]


class IncidentControl(BaseModel):
    """An incident's controls as they stand. Key on the topic: `incident_id`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incident_id: str = Field(min_length=1, max_length=100)
    dataset: str = Field(min_length=1, max_length=200)
    acknowledged_at: UtcDatetime | None = Field(default=None, description="None: not acked.")
    snoozed_until: UtcDatetime | None = Field(
        default=None, description="The sinks hold its versions until then; None: not snoozed."
    )
    note: str | None = Field(default=None, max_length=2000)
    changed_at: UtcDatetime = Field(description="When this state was set (wall clock).")
