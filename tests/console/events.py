"""Events for the console tests: anomalies and score points of made-up series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dexwatch.schemas.anomaly_event import AnomalyEvent, MeasureContribution, anomaly_id
from dexwatch.schemas.score_event import ScoreEvent

__all__ = ["START", "anomaly", "pool_series", "score"]

START = datetime(2026, 1, 5, tzinfo=UTC)


def pool_series(pool: int) -> tuple[str, dict[str, str]]:
    dimensions = {"chain": "ethereum", "pool": f"0x{pool:04x}"}
    return f"chain=ethereum,pool=0x{pool:04x}", dimensions


def anomaly(
    pool: int, hour: int, *, severity: int = 80, dataset: str = "pools", kind: str = "anomaly"
) -> AnomalyEvent:
    series, dimensions = pool_series(pool)
    start = START + timedelta(hours=hour)
    return AnomalyEvent.model_validate(
        {
            "anomaly_id": anomaly_id(dataset, series, start, "test-1"),
            "dataset": dataset,
            "series": series,
            "dimensions": dimensions,
            "interval_start": start,
            "interval_end": start + timedelta(hours=1),
            "score": severity / 100,
            "severity": severity,
            "measures": []
            if kind == "no_data"
            else [
                MeasureContribution(
                    measure="volume_usd",
                    value=9000.0,
                    expected_low=100.0,
                    expected_high=900.0,
                    deviation=6.0,
                )
            ],
            "detector_version": "test-1",
            "detected_at": start + timedelta(hours=1),
            "kind": kind,
            "explanation": "volume_usd 9000 above 100..900",
            "config_hash": "abc",
            "model_snapshot_version": 0,
            "source_offsets": [],
        }
    )


def score(pool: int, hour: int, value: float = 500.0, *, dataset: str = "pools") -> ScoreEvent:
    series, _ = pool_series(pool)
    return ScoreEvent(
        dataset=dataset,
        series=series,
        interval_start=START + timedelta(hours=hour),
        values={"volume_usd": value},
        bands={"volume_usd": (100.0, 900.0)} if hour >= 2 else {},
        score=0.9 if value > 900 else 0.1,
        severity=90 if value > 900 else 10,
        anomaly=value > 900,
    )
