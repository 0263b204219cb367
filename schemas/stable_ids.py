"""Deterministic ids: the same inputs give the same id in every process, on every machine.

Anomaly, incident and model-action ids are uuid5 of their identifying fields, so an event
replayed after a crash carries the id it had, and sinks can drop it by that id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

__all__ = ["stable_id", "utc_text"]


def stable_id(namespace: uuid.UUID, *parts: str) -> str:
    """uuid5 of `parts` joined by the unit separator (never inside a name or an ISO time)."""
    return str(uuid.uuid5(namespace, "\x1f".join(parts)))


def utc_text(at: datetime, name: str) -> str:
    """`at` in UTC as ISO 8601; a naive `at` is refused, naming the argument."""
    if at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return at.astimezone(UTC).isoformat()
