"""Anomaly events from scored and missing intervals: ids, bands, offsets, config hash."""

from __future__ import annotations

from datetime import UTC, datetime

from detectors.series_model import DETECTOR_VERSION
from schemas.anomaly_event import AnomalyEvent, MeasureContribution, SourceOffsets, anomaly_id
from streams.aggregation import NoDataInterval
from streams.pipeline.dataset_scorer import ScoredInterval

__all__ = ["NO_DATA_VERSION", "anomaly_event", "no_data_event"]

NO_DATA_VERSION = "no-data-1"  # its own id space: a no-data signal is not a model's verdict


def anomaly_event(dataset: str, config_hash: str, scored: ScoredInterval) -> AnomalyEvent:
    interval, verdict = scored.interval, scored.verdict
    return AnomalyEvent(
        anomaly_id=anomaly_id(dataset, interval.series, interval.start, DETECTOR_VERSION),
        dataset=dataset,
        series=interval.series,
        dimensions=interval.dimensions,
        interval_start=interval.start,
        interval_end=interval.end,
        score=verdict.score,
        severity=verdict.severity,
        measures=[
            MeasureContribution(
                measure=move.measure,
                value=move.value,
                expected_low=move.expected_low,
                expected_high=move.expected_high,
                deviation=move.deviation,
            )
            for move in verdict.moves
        ],
        detector_version=DETECTOR_VERSION,
        detected_at=datetime.now(UTC),
        kind="anomaly",
        explanation=verdict.explain(),
        config_hash=config_hash,
        model_snapshot_version=scored.snapshot_version,
        source_offsets=[
            SourceOffsets(topic=r.topic, partition=r.partition, first=r.first, last=r.last)
            for r in interval.offsets
        ],
    )


def no_data_event(dataset: str, config_hash: str, missing: NoDataInterval) -> AnomalyEvent:
    """A series that had data sent none for a whole interval (and `missing` in a row)."""
    return AnomalyEvent(
        anomaly_id=anomaly_id(dataset, missing.series, missing.start, NO_DATA_VERSION),
        dataset=dataset,
        series=missing.series,
        dimensions=missing.dimensions,
        interval_start=missing.start,
        interval_end=missing.end,
        score=1.0,
        severity=100,
        measures=[],
        detector_version=NO_DATA_VERSION,
        detected_at=datetime.now(UTC),
        kind="no_data",
        explanation=f"no data for {missing.missing} interval(s) in a row",
        config_hash=config_hash,
        model_snapshot_version=0,
        source_offsets=[],
    )
