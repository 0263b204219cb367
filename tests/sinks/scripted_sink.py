"""A sink that answers from a script and remembers what it was given: for unit tests."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Final

from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.sink_dead_letter import SinkKind
from dexwatch.sinks.base import Delivered, DeliveryOutcome

__all__ = ["ScriptedSink"]


class ScriptedSink:
    """Answers each `deliver` with the next scripted outcome, then `Delivered()`."""

    kind: Final[SinkKind] = "webhook"
    target = "a scripted test sink"

    def __init__(self, outcomes: Iterable[DeliveryOutcome] = (), name: str = "scripted") -> None:
        self.name = name
        self.outcomes = deque(outcomes)
        self.attempts: list[IncidentEvent] = []
        self.events: list[str] | None = None  # when set, `deliver <key>` is appended

    async def deliver(self, incident: IncidentEvent) -> DeliveryOutcome:
        self.attempts.append(incident)
        outcome = self.outcomes.popleft() if self.outcomes else Delivered(200)
        if self.events is not None and isinstance(outcome, Delivered):
            self.events.append(f"deliver {incident.idempotency_key}")
        return outcome
