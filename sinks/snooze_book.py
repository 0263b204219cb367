"""Which incidents are snoozed, and until when: the incident-controls topic, as it stands.

The console writes an incident's whole control state there (compacted, keyed by the incident
id); the sinks read it from its start and keep only the snoozes. A version of a snoozed
incident is held until the snooze ends (docs/console.md).
"""

from __future__ import annotations

from dexwatch.schemas.incident_control import IncidentControl

__all__ = ["SnoozeBook"]


class SnoozeBook:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def apply(self, incident_id: str, control: IncidentControl | None) -> None:
        """The incident's latest control state (None: a tombstone, cleared)."""
        if control is None or control.snoozed_until is None:
            self._until.pop(incident_id, None)
        else:
            self._until[incident_id] = control.snoozed_until.timestamp()

    def snoozed_until(self, incident_id: str, now: float) -> float | None:
        """When the incident's snooze ends, if it has not yet."""
        until = self._until.get(incident_id)
        return until if until is not None and until > now else None

    def in_force(self, now: float) -> int:
        """Snoozes that have not ended."""
        return sum(1 for until in self._until.values() if until > now)

    def __len__(self) -> int:
        return len(self._until)
