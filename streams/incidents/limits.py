"""Bounds on what one dataset's incident state holds, and the names under which they report.

A dataset's whole incident state is one record of a changelog-backed table, so it must stay
under the broker's `message.max.bytes` (1 MB by default) and in bounded memory whatever the
anomalies look like: a market-wide crash, or a dataset alerting on 100,000 series at severity
0. Each count below bounds one part of the state; `max_state_bytes` bounds the whole encoded
record (what the counts cannot: long notes, long series keys, large `confirm.m`). A bound that
bites is never silent: it is counted under its `LIMIT_NAMES` label and logged.

These are worker-wide constants, not `alerting:` fields: they protect the worker and the
broker, not a choice about what alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Final, Literal, get_args

__all__ = ["DEFAULT_LIMITS", "LIMIT_ADVICE", "LIMIT_NAMES", "IncidentLimits", "LimitName"]

LimitName = Literal[
    "pending_anomalies",
    "open_incidents",
    "contributors",
    "confirmation_series",
    "feedback_offsets",
    "band_series",
    "state_size",
]
# Closed set: the `limit` label of dexwatch_incident_limit_drops_total.
LIMIT_NAMES: Final[tuple[LimitName, ...]] = get_args(LimitName)

# What a limit dropped, and what the operator can do about it (for the WARNING log).
LIMIT_ADVICE: Final[dict[LimitName, str]] = {
    "pending_anomalies": "anomalies waiting for their group window, the weakest dropped; "
    "raise alerting.min_severity or check the detector (a burst across many series)",
    "open_incidents": "anomalies that would have opened a new incident, the weakest groups "
    "dropped; relate the series (alerting.relate_by) so that a burst is one incident, or "
    "raise alerting.min_severity",
    "contributors": "contributors of an incident beyond the tracked ones, the weakest not "
    "kept (the incident still counts them); normal in a market-wide move",
    "confirmation_series": "series whose N-of-M history was forgotten, least recent first "
    "(they must confirm again); lower alerting.confirm.m or raise alerting.min_severity",
    "feedback_offsets": "feedback offsets forgotten, oldest first (those verdicts no longer "
    "apply); give verdicts on fewer, larger incidents",
    "band_series": "series whose band status (still outside its band, or back) was forgotten, "
    "those in no open incident and the least recently heard first (their incidents resolve "
    "on quiet); relate the series (alerting.relate_by) or raise alerting.min_severity",
    "state_size": "parts of the incident state shed to keep its table record under the size "
    "limit; see the other limits of this dataset, they are too loose for its load",
}


@dataclass(frozen=True, slots=True)
class IncidentLimits:
    """The bounds of one dataset's incident state (defaults: `DEFAULT_LIMITS`).

    The defaults keep a dataset's record near 600 KB at most with every count full and
    typical series keys; `max_state_bytes` catches the rest, well under the broker's 1 MB.
    """

    # Anomalies waiting out `group_wait`. Stored whole (about 800 bytes each, trimmed):
    # the largest part of the state during a burst.
    max_pending_anomalies: int = 500
    # Open incidents: each one is a stream of versions to Slack; more than this is a flood.
    max_open_incidents: int = 100
    # Contributors tracked per incident (at most 200 are listed: `max_contributors`).
    max_tracked_contributors: int = 200
    # Anomaly ids, feedback notes per incident; verdict ids remembered to drop repeats.
    max_anomaly_ids: int = 1_000
    max_feedback_per_incident: int = 50
    max_feedback_ids: int = 500
    # Resolved incidents kept (for cooldown, late feedback and replays), and for how long in
    # event time (or the cooldown, when longer).
    max_resolved_kept: int = 50
    resolved_kept_for: timedelta = timedelta(days=1)
    # Series with N-of-M history (about 100 bytes each with a small `m`).
    max_confirmation_series: int = 2_000
    # Series-measures with a feedback offset (about 150 bytes each).
    max_feedback_offsets: int = 1_000
    # Series with a band status (about 150 bytes each): those of open incidents.
    max_band_series: int = 2_000
    # The encoded state, in bytes: under the broker's default message.max.bytes (1,048,588)
    # with room for the record's key, headers and batch overhead.
    max_state_bytes: int = 900_000

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, int) and value < 1:
                raise ValueError(f"IncidentLimits.{field.name} must be at least 1, not {value}")


DEFAULT_LIMITS: Final = IncidentLimits()
