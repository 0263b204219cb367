"""What the worker does with a batch of consumed records: validate, aggregate, score, publish.

Free of Kafka and faust, so it is tested as plain code and the agent stays a thin loop. Every
record ends in exactly one of: aggregated into its dataset's intervals (and scored when they
close), dead-lettered with its reason, or counted as selected by no dataset.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel

from schemas.codec import decode_many, encode
from schemas.dead_letter import DeadLetterRecord
from schemas.dex_transaction import DexTransaction
from schemas.errors import ConfigError, SchemaError
from schemas.metric_event import MetricEvent
from streams.aggregation import ClosedInterval, NoDataInterval, SourcePosition
from streams.commit_marks.commit_mark import CommitMark
from streams.commit_marks.dataset_marks import (
    check_mark_size,
    first_open_offsets,
    watermarks_by_topic,
)
from streams.commit_marks.replay_marks import ReplayMarks, handled_before
from streams.dataset_runtime import SNAPSHOT_KEY_SEPARATOR, DatasetRuntime, snapshot_key
from streams.datasets import Rejection
from streams.drift import DriftMetrics
from streams.metrics import MEASURES_MISMATCH, UNKNOWN_TOPIC, WorkerMetrics, severity_band
from streams.pipeline.anomaly_building import anomaly_event, no_data_event
from streams.pipeline.dataset_scorer import ScoredInterval
from streams.records import ConsumedRecord, OutputRecord, Partition
from streams.settings import WorkerSettings
from streams.snapshots.series_snapshotter import SeriesState

__all__ = ["MetricEventHandler"]

log = logging.getLogger(__name__)


class MetricEventHandler:
    """Runs every configured dataset over each batch of records from their source topics."""

    def __init__(
        self,
        settings: WorkerSettings,
        metrics: WorkerMetrics,
        on_scored: Callable[[DatasetRuntime, ScoredInterval], None] | None = None,
    ) -> None:
        """`on_scored` sees every scored interval, anomalous or not (a replay writes them all)."""
        self.settings = settings
        self.metrics = metrics
        self.on_scored = on_scored
        self.datasets = [DatasetRuntime(dataset) for dataset in settings.dataset_configs()]
        self._by_name = {runtime.dataset.name: runtime for runtime in self.datasets}
        self.drift_metrics = DriftMetrics(metrics.registry)
        # (snapshot key, topic, partition) of every series scored in the last batch.
        self.touched: list[tuple[str, str, int]] = []
        self._formats: dict[str, type[BaseModel]] = {}
        self.replay_marks = ReplayMarks()
        for runtime in self.datasets:
            source = runtime.dataset.source
            model = DexTransaction if source.format == "dex_transaction" else MetricEvent
            if self._formats.setdefault(source.topic, model) is not model:
                raise ConfigError(
                    f"datasets read topic {source.topic!r} as two formats; one topic, one format"
                )

        check_mark_size(self.datasets)

    @property
    def topics(self) -> tuple[str, ...]:
        """The input topics, in the order the datasets name them."""
        return tuple(self._formats)

    @property
    def series_count(self) -> int:
        return sum(runtime.scorer.series_count for runtime in self.datasets)

    def handle(self, record: ConsumedRecord) -> list[OutputRecord]:
        return self.handle_batch([record])

    def series_state(self, key: str) -> SeriesState | None:
        """A live series' state for its snapshot (`key` from `snapshot_key`)."""
        runtime, series = self._owner(key)
        held = runtime.scorer.state_of(series) if runtime is not None else None
        return None if held is None else SeriesState(*held)

    def forget(self, keys: Sequence[str]) -> None:
        """Drop series whose partitions moved to another worker (it restores their snapshots)."""
        for key in keys:
            runtime, series = self._owner(key)
            if runtime is not None:
                runtime.scorer.forget(series)
                if runtime.drift is not None:
                    runtime.drift.forget(series)

    def first_open_offsets(self) -> dict[Partition, int]:
        """Per partition, the first record held in any dataset's open interval."""
        return first_open_offsets(self.datasets)

    def watermarks_by_topic(self) -> dict[str, dict[str, int]]:
        """Per input topic, its interval datasets' watermarks (µs; those that have one)."""
        return watermarks_by_topic(self.datasets)

    def resume_partition(self, where: Partition, mark: CommitMark) -> None:
        """A partition read again from its committed offset: skip what `mark` says was handled,
        and let no dataset accept as on time an interval the mark says was scored."""
        self.replay_marks.install(where, mark)
        for runtime in self.datasets:
            watermark = mark.watermarks.get(runtime.dataset.name)
            if runtime.dataset.source.topic == where[0] and watermark is not None:
                runtime.aggregator.raise_watermark(watermark)

    def release_partitions(self, partitions: set[Partition], *, holds_none: bool) -> None:
        """Partitions revoked: drop their open intervals (rebuilt by whoever reads them next);
        `holds_none`: no partition is left, so event time starts again too."""
        self.replay_marks.forget(partitions)
        dropped = 0
        for runtime in self.datasets:
            dropped += runtime.aggregator.drop_partitions(partitions)
            if holds_none:
                runtime.aggregator.reset_watermark()
        if dropped:
            self.metrics.open_intervals_dropped.inc(dropped)
            log.info(
                "dropped %d open interval(s) of revoked partitions; they are rebuilt from the "
                "committed offsets",
                dropped,
            )

    def _owner(self, key: str) -> tuple[DatasetRuntime | None, str]:
        """The dataset runtime a snapshot key belongs to (None: no longer configured), and
        the series key."""
        dataset, _, series = key.partition(SNAPSHOT_KEY_SEPARATOR)
        return self._by_name.get(dataset), series

    def handle_batch(self, records: Sequence[ConsumedRecord]) -> list[OutputRecord]:
        outputs: list[OutputRecord] = []
        self.touched = []
        closed: dict[int, list[ClosedInterval]] = {}
        missing: dict[int, list[NoDataInterval]] = {}
        by_position = {(r.topic, r.partition, r.offset): r for r in records}
        marks = self.replay_marks
        for record in records:
            self.metrics.events_consumed.inc()
            mark = marks.mark_for(record.topic, record.partition, record.offset) if marks else None
            model = self._formats.get(record.topic)
            if model is None:  # the agent reads only our topics: say so rather than drop it
                reason = f"no dataset reads topic {record.topic!r}"
                outputs.append(self._dead_letter(record, UNKNOWN_TOPIC, reason))
                continue
            try:
                decoded = decode_many(model, record.value)
            except SchemaError as error:
                if mark is None or record.offset >= mark.acked:  # else: dead-lettered before
                    outputs.append(self._dead_letter(record, error.kind, error.reason))
                continue
            for element in decoded:
                refused = element.error
                if refused is not None and mark is not None and record.offset < mark.acked:
                    continue
                if refused is not None:
                    outputs.append(
                        self._dead_letter(record, refused.kind, refused.reason, element.raw)
                    )
                    continue
                event = element.event
                assert isinstance(event, MetricEvent | DexTransaction)
                if not self._route(record, event, outputs, closed, missing, mark):
                    self.metrics.events_unmatched.inc()
        for index, runtime in enumerate(self.datasets):
            outputs += self._scored(runtime, closed.get(index, []), by_position)
            for gap in missing.get(index, []):
                anomaly = no_data_event(runtime.dataset.name, runtime.config_hash, gap)
                self.metrics.anomalies_by_severity.labels(severity_band="no_data").inc()
                outputs.append(self._anomaly_record(anomaly.series, encode(anomaly)))
        self.metrics.series_live.set(self.series_count)
        self.metrics.model_memory_bytes.set(sum(r.scorer.nbytes for r in self.datasets))
        return outputs

    def _route(
        self,
        record: ConsumedRecord,
        event: MetricEvent | DexTransaction,
        outputs: list[OutputRecord],
        closed: dict[int, list[ClosedInterval]],
        missing: dict[int, list[NoDataInterval]],
        mark: CommitMark | None,
    ) -> bool:
        """Give `event` to every dataset of its topic; False when none selected it.
        `mark`: the record is read again after a restart or rebalance (see `replay_marks`)."""
        selected = False
        for index, runtime in enumerate(self.datasets):
            if runtime.dataset.source.topic != record.topic:
                continue
            observation = runtime.selector.select(event)
            if observation is None:
                continue
            selected = True
            if isinstance(observation, Rejection):
                if mark is None or record.offset >= mark.acked:  # else: dead-lettered before
                    outputs.append(self._rejected(record, runtime, observation))
                continue
            if mark is not None and handled_before(
                mark,
                record.offset,
                runtime.dataset.name,
                runtime.aggregator,
                observation.event_time,
            ):
                self.metrics.events_already_handled.inc()
                continue
            result = runtime.aggregator.add(
                observation.series,
                observation.dimensions,
                observation.event_time,
                observation.values,
                SourcePosition(record.topic, record.partition, record.offset),
            )
            if result.rejected is not None:
                outputs.append(self._rejected(record, runtime, result.rejected))
            for emitted in result.emitted:
                if isinstance(emitted, ClosedInterval):
                    closed.setdefault(index, []).append(emitted)
                else:
                    missing.setdefault(index, []).append(emitted)
        return selected

    def _scored(
        self,
        runtime: DatasetRuntime,
        intervals: list[ClosedInterval],
        by_position: dict[tuple[str, int, int], ConsumedRecord],
    ) -> list[OutputRecord]:
        outputs: list[OutputRecord] = []
        if not intervals:
            return outputs
        for result in runtime.scorer.score(intervals):
            if not isinstance(result, ScoredInterval):
                outputs += self._unscored(result.interval, result.reason, by_position)
                continue
            self.metrics.events_scored.inc()
            if result.interval.offsets:
                last = result.interval.offsets[-1]
                key = snapshot_key(runtime.dataset.name, result.interval.series)
                self.touched.append((key, last.topic, last.partition))
            if self.on_scored is not None:
                self.on_scored(runtime, result)
            if runtime.drift is not None:
                acted = runtime.drift.observe(result)
                if acted is not None:
                    applied, event = acted
                    self.drift_metrics.record(applied)
                    outputs.append(
                        OutputRecord(
                            self.settings.model_actions_topic,
                            result.interval.series.encode(),
                            encode(event),
                        )
                    )
            if not result.verdict.is_anomaly:
                continue
            anomaly = anomaly_event(runtime.dataset.name, runtime.config_hash, result)
            self.metrics.anomalies_produced.inc()
            self.metrics.anomalies_by_severity.labels(
                severity_band=severity_band(anomaly.severity)
            ).inc()
            outputs.append(self._anomaly_record(anomaly.series, encode(anomaly)))
            arrivals = [
                by_position[(r.topic, r.partition, r.last)].received_at
                for r in result.interval.offsets
                if (r.topic, r.partition, r.last) in by_position
            ]
            if arrivals:
                self.metrics.processing_latency.observe(time.monotonic() - max(arrivals))
        return outputs

    def _unscored(
        self,
        interval: ClosedInterval,
        reason: str,
        by_position: dict[tuple[str, int, int], ConsumedRecord],
    ) -> list[OutputRecord]:
        """Dead-letter the records behind an interval the model refused (those still in hand)."""
        outputs = []
        for offsets in interval.offsets:
            for offset in range(offsets.first, offsets.last + 1):
                record = by_position.get((offsets.topic, offsets.partition, offset))
                if record is not None:
                    outputs.append(self._dead_letter(record, MEASURES_MISMATCH, reason))
        if not outputs:  # an aggregated interval whose records were consumed in earlier batches
            log.warning("interval %s of %s not scored: %s", interval.start, interval.series, reason)
        return outputs

    def _anomaly_record(self, series: str, value: bytes) -> OutputRecord:
        return OutputRecord(self.settings.anomalies_topic, series.encode(), value)

    def _rejected(
        self, record: ConsumedRecord, runtime: DatasetRuntime, rejection: Rejection
    ) -> OutputRecord:
        if rejection.reason == "late":
            self.metrics.events_late.labels(dataset=runtime.dataset.name).inc()
        # The aggregator logs the first time its cardinality guard bites.
        return self._dead_letter(
            record, rejection.reason, f"dataset {runtime.dataset.name}: {rejection.detail}"
        )

    def _dead_letter(
        self, record: ConsumedRecord, kind: str, reason: str, original: bytes | None = None
    ) -> OutputRecord:
        """`original`: the element of a batch record that was refused (default: the record)."""
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
            original=record.value if original is None else original,
            original_key=record.key,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason_kind=kind,
            reason=reason,
            failed_at=datetime.now(UTC),
        )
        return OutputRecord(self.settings.dead_letter_topic, record.key, encode(dead))
