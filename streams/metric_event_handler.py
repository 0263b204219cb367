"""What the worker does with one consumed record: validate, score, say where results go.

Free of Kafka and faust, so it is tested as plain code and the agent stays a thin loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from detectors.series_model import DETECTOR_VERSION, SeriesModel
from schemas.anomaly_event import AnomalyEvent, MeasureContribution, anomaly_id
from schemas.codec import decode, encode
from schemas.dead_letter import DeadLetterRecord
from schemas.errors import DetectorInputError, SchemaError
from schemas.metric_event import MetricEvent
from streams.metrics import MEASURES_MISMATCH, SERIES_LIMIT, WorkerMetrics
from streams.settings import WorkerSettings

__all__ = ["ConsumedRecord", "MetricEventHandler", "OutputRecord"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConsumedRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True, slots=True)
class OutputRecord:
    topic: str
    key: bytes | None
    value: bytes


class MetricEventHandler:
    """Keeps one in-memory model per series and turns consumed records into output records."""

    def __init__(self, settings: WorkerSettings, metrics: WorkerMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self._models: dict[str, SeriesModel] = {}
        self._series_limit_logged = False

    @property
    def series_count(self) -> int:
        return len(self._models)

    def handle(self, record: ConsumedRecord) -> list[OutputRecord]:
        self.metrics.events_consumed.inc()
        try:
            event = decode(MetricEvent, record.value)
        except SchemaError as error:
            return [self._dead_letter(record, error.kind, error.reason)]
        model = self._model_for(event.series_key)
        if model is None:
            return [
                self._dead_letter(
                    record,
                    SERIES_LIMIT,
                    f"series {event.series_key!r} is new and the worker already holds "
                    f"max_series={self.settings.max_series} series",
                )
            ]
        try:
            verdict = model.process(event.measures, event.event_time)
        except DetectorInputError as error:
            return [self._dead_letter(record, MEASURES_MISMATCH, str(error))]
        self.metrics.events_scored.inc()
        if not verdict.is_anomaly:
            return []
        anomaly = AnomalyEvent(
            anomaly_id=anomaly_id(
                self.settings.dataset, event.series_key, event.event_time, DETECTOR_VERSION
            ),
            dataset=self.settings.dataset,
            series=event.series_key,
            dimensions=event.dimensions,
            interval_start=event.event_time,
            interval_end=event.event_time,
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
        )
        self.metrics.anomalies_produced.inc()
        return [
            OutputRecord(self.settings.anomalies_topic, event.series_key.encode(), encode(anomaly))
        ]

    def _model_for(self, series: str) -> SeriesModel | None:
        model = self._models.get(series)
        if model is not None:
            return model
        if len(self._models) >= self.settings.max_series:
            if not self._series_limit_logged:
                log.warning(
                    "cardinality guard: %d series reached; events of new series go to %s "
                    "(raise DEXWATCH_MAX_SERIES if this is expected)",
                    self.settings.max_series,
                    self.settings.dead_letter_topic,
                )
                self._series_limit_logged = True
            return None
        model = SeriesModel(self.settings.detector)
        self._models[series] = model
        self.metrics.series_live.set(len(self._models))
        return model

    def _dead_letter(self, record: ConsumedRecord, kind: str, reason: str) -> OutputRecord:
        self.metrics.events_dead_lettered.labels(reason=kind).inc()
        log.info(
            "dead-lettered %s[%d]@%d: %s: %s",
            record.topic,
            record.partition,
            record.offset,
            kind,
            reason,
        )
        dead = DeadLetterRecord(
            original=record.value,
            original_key=record.key,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason_kind=kind,
            reason=reason,
            failed_at=datetime.now(UTC),
        )
        return OutputRecord(self.settings.dead_letter_topic, record.key, encode(dead))
