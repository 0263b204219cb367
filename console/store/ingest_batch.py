"""What one poll of the topics adds to the store, decoded, with the offsets it moves to."""

from __future__ import annotations

from dataclasses import dataclass, field

from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.feedback import FeedbackEvent
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.incident_control import IncidentControl
from dexwatch.schemas.model_action import ModelActionEvent
from dexwatch.schemas.score_event import ScoreEvent

__all__ = ["IngestBatch"]


@dataclass(slots=True)
class IngestBatch:
    anomalies: list[AnomalyEvent] = field(default_factory=list)
    incidents: list[IncidentEvent] = field(default_factory=list)
    scores: list[ScoreEvent] = field(default_factory=list)
    model_actions: list[ModelActionEvent] = field(default_factory=list)
    feedback: list[FeedbackEvent] = field(default_factory=list)
    # In topic order: (incident id, its controls), None for a tombstone (cleared).
    controls: list[tuple[str, IncidentControl | None]] = field(default_factory=list)
    # (topic, partition) -> the next offset to read: written in the same transaction.
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return (
            len(self.anomalies)
            + len(self.incidents)
            + len(self.scores)
            + len(self.model_actions)
            + len(self.feedback)
            + len(self.controls)
        )
