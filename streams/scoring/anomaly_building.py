"""Anomaly events from scored and missing intervals: ids, bands, offsets, config hash."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from dexwatch.detectors.series_model import DETECTOR_VERSION
from dexwatch.detectors.verdict import MeasureMove
from dexwatch.schemas.anomaly_event import (
    AnomalyEvent,
    MeasureContribution,
    SourceOffsets,
    anomaly_id,
)
from dexwatch.streams.aggregation import NoDataInterval
from dexwatch.streams.scoring.dataset_scorer import ScoredInterval

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
                expected_low=low,
                expected_high=high,
                deviation=move.deviation,
                rule=move.view if move.by_rule else None,
            )
            for move in verdict.moves
            for low, high in (_finite_band(move),)
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


def _finite_band(move: MeasureMove) -> tuple[float, float]:
    """The band an event can carry: a rule's open side (a threshold with one bound) is shown
    closed at its other edge, and a band open on both sides (a rule warming up) at the value."""
    low, high = move.expected_low, move.expected_high
    edges = [edge for edge in (low, high) if math.isfinite(edge)] or [move.value]
    return (low if math.isfinite(low) else min(edges)), (
        high if math.isfinite(high) else max(edges)
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
