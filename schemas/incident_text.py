"""Incident versions as one line a person can read at a glance (`dexwatch tail --alerts`)."""

from __future__ import annotations

from dexwatch.schemas.anomaly_text import compact_number
from dexwatch.schemas.incident import IncidentEvent

__all__ = ["describe_incident"]

_LISTED = 3


def describe_incident(incident: IncidentEvent) -> str:
    """Status, severity, interval, title, id and version, and the largest contributors."""
    when = incident.interval_start.strftime("%Y-%m-%d %H:%M UTC")
    top = "; ".join(
        " ".join(
            part
            for part in (
                c.measure or "no data",
                compact_number(c.value) if c.value is not None else "",
                f"({c.share:.0%})",
                c.series,
            )
            if part
        )
        for c in incident.contributors[:_LISTED]
    )
    more = len(incident.contributors) - _LISTED
    offset = f" offset {incident.severity_offset:+d}" if incident.severity_offset else ""
    verdicts = "".join(f" [{f.verdict}]" for f in incident.feedback)
    return (
        f"INCIDENT {incident.status.upper():8s} sev {incident.severity:3d}{offset}  {when}  "
        f"{incident.title}  | {top}{f' +{more} more' if more > 0 else ''}  "
        f"| {incident.incident_id} v{incident.version}{verdicts}"
    )
