"""Incident events (one version each) from the incident records a dataset holds."""

from __future__ import annotations

from datetime import UTC, datetime

from dexwatch.schemas.incident import IncidentEvent, IncidentStatus
from dexwatch.streams.datasets.alerting_config import AlertingConfig
from dexwatch.streams.incidents.contributors import ranked
from dexwatch.streams.incidents.grouping import shared_group
from dexwatch.streams.incidents.state import IncidentRecord

__all__ = ["incident_event", "incident_title"]

_TITLE_LIMIT = 300
_MEASURES_NAMED = 4
NO_DATA = "no data"


def incident_title(record: IncidentRecord, group: dict[str, str]) -> str:
    """E.g. `3 series: tvl_usd, price, volume_usd (chain=ethereum)`; `200+ series: ...` when
    more contributed than the incident tracks."""
    measures = list(dict.fromkeys(c.measure or NO_DATA for c in record.contributors))
    named = ", ".join(measures[:_MEASURES_NAMED])
    if len(measures) > _MEASURES_NAMED:
        named += f" +{len(measures) - _MEASURES_NAMED} more"
    series = record.series
    # Past the bound on tracked contributors, more series moved than it holds: "200+ series".
    more = "+" if record.contributor_count > len(record.contributors) else ""
    if len(series) == 1 and not more:
        title = f"{next(iter(series))}: {named}"
    else:
        where = ",".join(f"{name}={value}" for name, value in group.items())
        title = f"{len(series)}{more} series: {named}" + (f" ({where})" if where else "")
    return title if len(title) <= _TITLE_LIMIT else title[: _TITLE_LIMIT - 3] + "..."


def incident_event(
    record: IncidentRecord,
    *,
    dataset: str,
    status: IncidentStatus,
    alerting: AlertingConfig,
    config_hash: str,
    now: float,
) -> IncidentEvent:
    """Version `record.version` of the incident, with status `status` (wall clock `now`)."""
    group = shared_group((c.dimensions for c in record.contributors), alerting)
    offset = max((c.offset for c in record.contributors), key=abs, default=0.0)
    return IncidentEvent(
        incident_id=record.incident_id,
        version=record.version,
        status=status,
        dataset=dataset,
        group=group,
        title=incident_title(record, group),
        severity=max(c.severity for c in record.contributors),
        first_interval_start=record.first_interval_start,
        interval_start=record.interval_start,
        interval_end=record.interval_end,
        resolved_at=record.resolved_at if status == "resolved" else None,
        contributors=ranked(record.contributors, alerting.max_contributors),
        contributors_total=max(record.contributor_count, len(record.contributors)),
        anomaly_ids=record.anomaly_ids,
        feedback=record.feedback,
        severity_offset=max(-100, min(100, round(offset))),
        config_hash=config_hash,
        updated_at=datetime.fromtimestamp(now, UTC),
    )
