"""An incident's contributors: one per series-measure, ranked, with shares that sum to 1.

A contributor's weight is its anomaly's severity times how far the measure left its band (in
band widths; a no-data signal counts as one band width). Shares are the weights of the listed
contributors over their sum, so a listed pool that moved ten times as far has ten times the
share; when every weight is zero, the listed contributors share equally.
"""

from __future__ import annotations

from collections.abc import Iterable

from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.incident import IncidentContributor
from dexwatch.streams.incidents.state import ContributorRecord

__all__ = ["anomaly_strength", "contributors_of", "keep_strongest", "ranked"]


def contributors_of(anomaly: AnomalyEvent) -> list[ContributorRecord]:
    """One record per measure that moved (one with no measure for a no-data signal)."""
    common = {
        "series": anomaly.series,
        "dimensions": dict(anomaly.dimensions),
        "kind": anomaly.kind,
        "severity": anomaly.severity,
        "anomaly_id": anomaly.anomaly_id,
        "interval_start": anomaly.interval_start,
    }
    if not anomaly.measures:
        return [ContributorRecord(measure=None, **common)]
    return [
        ContributorRecord(
            measure=move.measure,
            value=move.value,
            expected_low=move.expected_low,
            expected_high=move.expected_high,
            deviation=move.deviation,
            **common,
        )
        for move in anomaly.measures
    ]


def anomaly_strength(anomaly: AnomalyEvent) -> tuple[int, float]:
    """How much a whole anomaly matters when room is short: its severity, then its largest move
    (in band widths; a no-data signal counts one)."""
    moves = (abs(move.deviation) for move in anomaly.measures)
    return anomaly.severity, max(moves, default=1.0)


def _rank_key(record: ContributorRecord) -> tuple[float, int, str, str]:
    return (-record.weight, -record.severity, record.series, record.measure or "")


def keep_strongest(
    held: Iterable[ContributorRecord], new: Iterable[ContributorRecord], limit: int
) -> list[ContributorRecord]:
    """One record per series-measure (the heavier one), at most `limit`, strongest first."""
    best: dict[str, ContributorRecord] = {}
    for record in (*held, *new):
        kept = best.get(record.target)
        if kept is None or _rank_key(record) < _rank_key(kept):
            best[record.target] = record
    return sorted(best.values(), key=_rank_key)[:limit]


def ranked(records: Iterable[ContributorRecord], limit: int) -> list[IncidentContributor]:
    """The `limit` strongest, largest share first; their shares sum to 1."""
    listed = sorted(records, key=_rank_key)[:limit]
    total = sum(record.weight for record in listed)
    return [
        IncidentContributor(
            **record.model_dump(exclude={"offset"}),
            share=min(1.0, record.weight / total) if total > 0 else 1.0 / len(listed),
        )
        for record in listed
    ]
