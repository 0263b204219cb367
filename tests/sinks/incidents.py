"""Incident events for the sink tests: valid versions of made-up incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dexwatch.schemas.codec import encode
from dexwatch.schemas.incident import (
    IncidentContributor,
    IncidentEvent,
    IncidentStatus,
    incident_id,
)

__all__ = ["OPENED", "incident", "incident_versions", "records"]

OPENED = datetime(2026, 1, 6, 11, 0, tzinfo=UTC)


def _contributor(number: int, rank: int) -> IncidentContributor:
    pool = f"0x{number:04x}{rank:02x}"
    return IncidentContributor(
        series=f"chain=ethereum,dex=uniswap-v3,pool={pool}",
        dimensions={"chain": "ethereum", "dex": "uniswap-v3", "pool": pool},
        measure="volume_usd" if rank % 2 == 0 else "fees_usd",
        kind="anomaly",
        value=7400.0 + rank,
        expected_low=278.0,
        expected_high=1800.0,
        deviation=4.2 - rank,
        severity=90 - rank,
        share=0.6 if rank == 0 else 0.4,
        anomaly_id=f"anomaly-{number}-{rank}",
        interval_start=OPENED + timedelta(minutes=number),
    )


def incident(
    number: int,
    version: int = 1,
    *,
    status: IncidentStatus | None = None,
    severity: int = 88,
    dataset: str = "dex-pools",
    chain: str = "ethereum",
    link: str | None = None,
    updated_at: datetime | None = None,
    **changes: Any,
) -> IncidentEvent:
    """Version `version` of incident number `number`: `open` for 1, else `updated`."""
    status = status or ("open" if version == 1 else "updated")
    opened = OPENED + timedelta(minutes=number)
    latest = opened + timedelta(minutes=5 * (version - 1))
    fields: dict[str, Any] = {
        "incident_id": incident_id(dataset, f"chain={chain},n={number}", opened),
        "version": version,
        "status": status,
        "dataset": dataset,
        "group": {"chain": chain},
        "title": f"volume_usd and fees_usd jumped on {chain} (incident {number})",
        "severity": severity,
        "first_interval_start": opened,
        "interval_start": latest,
        "interval_end": latest + timedelta(minutes=5),
        "resolved_at": latest + timedelta(minutes=30) if status == "resolved" else None,
        "contributors": [_contributor(number, 0), _contributor(number, 1)],
        "anomaly_ids": [f"anomaly-{number}-0", f"anomaly-{number}-1"],
        "config_hash": "15758ddb7b962bc1",
        "link": link,
        "updated_at": updated_at or datetime.now(UTC),
    }
    return IncidentEvent.model_validate(fields | changes)


def incident_versions(number: int, count: int, **options: Any) -> list[IncidentEvent]:
    """Versions 1..count of one incident: opened, updated, and resolved last (count >= 2)."""
    return [
        incident(
            number,
            version,
            status="resolved" if version == count and count > 1 else None,
            **options,
        )
        for version in range(1, count + 1)
    ]


def records(incidents: list[IncidentEvent]) -> list[tuple[bytes | None, bytes]]:
    """As the worker writes them to the alerts topic: key the incident id, value the event."""
    return [(event.incident_id.encode(), encode(event)) for event in incidents]
