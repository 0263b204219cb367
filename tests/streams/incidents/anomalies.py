"""Anomaly events as the worker makes them, and verdicts on incidents, for the incident tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from dexwatch.schemas import (
    AnomalyEvent,
    FeedbackEvent,
    FeedbackTarget,
    IncidentEvent,
    MeasureContribution,
    anomaly_id,
    feedback_id,
)
from dexwatch.schemas.feedback import FeedbackVerdict
from dexwatch.schemas.metric_event import series_key

__all__ = ["START", "STEP", "anomaly", "feedback_on", "pool"]

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


def pool(name: str, pair: str, dex: str = "uniswap-v3", chain: str = "ethereum") -> dict[str, str]:
    return {"chain": chain, "dex": dex, "pair": pair, "pool": name}


def anomaly(
    dimensions: Mapping[str, str],
    start: datetime = START,
    *,
    severity: int = 90,
    moves: Mapping[str, float] | None = None,
    dataset: str = "pools",
    length: timedelta = STEP,
) -> AnomalyEvent:
    """An anomaly of the series of `dimensions` for the interval at `start`; `moves` maps each
    measure that moved to its deviation (default: volume +7, trades +5; empty: no data)."""
    moved = {"volume_usd": 7.0, "tx_count": 5.0} if moves is None else moves
    series = series_key(dict(dimensions))
    return AnomalyEvent(
        anomaly_id=anomaly_id(dataset, series, start, "test-1"),
        dataset=dataset,
        series=series,
        dimensions=dict(dimensions),
        interval_start=start,
        interval_end=start + length,
        score=severity / 100,
        severity=severity,
        measures=[
            MeasureContribution(
                measure=name,
                value=1000.0 * (1 + deviation),
                expected_low=500.0,
                expected_high=1500.0,
                deviation=deviation,
            )
            for name, deviation in moved.items()
        ],
        detector_version="test-1",
        detected_at=datetime.now(UTC),
        kind="anomaly" if moved else "no_data",
        explanation="test",
        config_hash="test",
        model_snapshot_version=0,
        source_offsets=[],
    )


def feedback_on(
    incident: IncidentEvent,
    said: FeedbackVerdict,
    given_at: datetime = START,
    note: str | None = None,
) -> FeedbackEvent:
    """A verdict on `incident`, aimed at its contributors, as `dexwatch feedback` sends it."""
    return FeedbackEvent(
        feedback_id=feedback_id(incident.incident_id, said, given_at.isoformat()),
        incident_id=incident.incident_id,
        dataset=incident.dataset,
        verdict=said,
        targets=[FeedbackTarget(series=c.series, measure=c.measure) for c in incident.contributors],
        given_at=given_at,
        note=note,
    )
