"""The incident agent's input topic (anomalies, feedback, band statuses and ticks, keyed by
dataset) and the names of the worker's internal incident topics.

faust tables can only be written from inside the agent's stream, on the partition of the
event being processed, so everything that changes a dataset's incidents reaches it as a record
of one internal topic, keyed by the dataset name (one partition per dataset: one writer, in
order): the anomaly and feedback records as they were (header `dexwatch-input` says which),
the scorer's band statuses (`band_status.py`, sent here directly by the scoring agent), and
ticks, which carry the sending worker's watermark and let time-driven work (the group wait,
resolutions) happen without any input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from dexwatch.messaging.topics import changelog_topic
from dexwatch.schemas.metric_event import UtcDatetime

__all__ = [
    "INPUT_HEADER",
    "STATE_TABLE",
    "InputKind",
    "Tick",
    "incident_inputs_topic",
    "incident_state_changelog",
    "input_headers",
    "input_kind",
]

INPUT_HEADER = "dexwatch-input"
STATE_TABLE = "incident-state"
InputKind = Literal["anomaly", "feedback", "status", "tick"]
_KINDS: frozenset[str] = frozenset(get_args(InputKind))


class Tick(BaseModel):
    """Time passes: `watermark` is the sender's event-time watermark for the dataset, if any."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    watermark: UtcDatetime | None = None


def incident_inputs_topic(app_id: str) -> str:
    """The internal topic of the incident agent of application `app_id`."""
    return f"{app_id}-incident-inputs"


def incident_state_changelog(app_id: str) -> str:
    """The changelog of the incident state table (faust's name for it)."""
    return changelog_topic(app_id, STATE_TABLE)


def input_headers(kind: InputKind) -> list[tuple[str, bytes]]:
    return [(INPUT_HEADER, kind.encode())]


def input_kind(
    headers: Mapping[str, bytes] | Iterable[tuple[str, bytes]] | None,
) -> InputKind | None:
    """The kind a record's headers name (None: not an incident input)."""
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
    for name, value in pairs:
        if name == INPUT_HEADER:
            kind = bytes(value).decode(errors="replace")
            if kind in _KINDS:
                return kind  # type: ignore[return-value]  # checked against InputKind's values
    return None
