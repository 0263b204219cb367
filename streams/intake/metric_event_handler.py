"""What the worker does with a batch of consumed records: validate, aggregate, score, publish.

Free of Kafka and faust, so it is tested as plain code and the agent stays a thin loop. Every
record ends in exactly one of: aggregated into its dataset's intervals (and scored when they
close), dead-lettered with its reason, or counted as selected by no dataset. Whatever a record
holds (a tombstone, an oversized batch, a date in year 9999, or a value the code chokes on), it
is dead-lettered, never raised: an exception out of the agent would have faust acknowledge,
and so commit past, the whole batch around it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel

from dexwatch.schemas.codec import EMPTY, decode_elements, encode
from dexwatch.schemas.dex_transaction import DexTransaction
from dexwatch.schemas.errors import ConfigError, SchemaError
from dexwatch.schemas.metric_event import MetricEvent
from dexwatch.streams.aggregation import ClosedInterval, NoDataInterval, SourcePosition
from dexwatch.streams.datasets import Rejection
from dexwatch.streams.drift import DriftMetrics
from dexwatch.streams.engine.commit_marks.commit_mark import CommitMark
from dexwatch.streams.engine.commit_marks.dataset_marks import (
    check_mark_size,
    first_open_offsets,
    watermarks_by_topic,
)
from dexwatch.streams.engine.commit_marks.replay_marks import ReplayMarks, handled_before
from dexwatch.streams.intake.dead_letter_building import dead_letter_output
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord, Partition
from dexwatch.streams.intake.refusal_log import RefusalLog
from dexwatch.streams.metrics import (
    HANDLING_ERROR,
    MEASURES_MISMATCH,
    UNKNOWN_TOPIC,
    WorkerMetrics,
    severity_band,
)
from dexwatch.streams.scoring.anomaly_building import anomaly_event, no_data_event
from dexwatch.streams.scoring.dataset_runtime import (
    SNAPSHOT_KEY_SEPARATOR,
    DatasetRuntime,
    snapshot_key,
)
from dexwatch.streams.scoring.dataset_scorer import ScoredInterval, UnscoredInterval
from dexwatch.streams.scoring.priming_gate import PrimingGate, is_history
from dexwatch.streams.scoring.score_building import score_event
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.snapshots.series_snapshotter import SeriesState
from dexwatch.streams.summary_log import SummaryLog

__all__ = ["MetricEventHandler"]

log = logging.getLogger(__name__)

# A batch record's elements are handled this many at a time, the caller yielding to the event
# loop between slices: 100,000 elements in one go blocked the loop for about 25 s.
ELEMENT_SLICE = 1000

Bounds = tuple[datetime, datetime]


class MetricEventHandler:
    """Runs every configured dataset over each batch of records from their source topics."""

    def __init__(
        self,
        settings: WorkerSettings,
        metrics: WorkerMetrics,
        on_scored: Callable[[DatasetRuntime, ScoredInterval], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`on_scored` sees every scored interval, anomalous or not (a replay writes them all).
        `clock`: the wall clock that bounds event times and tells primed points (tests set it)."""
        self.settings = settings
        self.metrics = metrics
        self.on_scored = on_scored
        self.clock = clock
        self.priming = PrimingGate(metrics.registry)
        self._now = clock()
        self.drift_metrics = DriftMetrics(metrics.registry)
        self.datasets = [
            DatasetRuntime(dataset, self.drift_metrics) for dataset in settings.dataset_configs()
        ]
        self._by_name = {runtime.dataset.name: runtime for runtime in self.datasets}
        # (snapshot key, topic, partition) of every series scored in the last batch.
        self.touched: list[tuple[str, str, int]] = []
        self._formats: dict[str, type[BaseModel]] = {}
        self.replay_marks = ReplayMarks()
        self._handling_errors = 0
        self._snapshots_refused = 0  # counted into the metric so far
        self.refusals = RefusalLog(settings.topics.dead_letter)  # summaries, not a line each
        self._unscored_log = SummaryLog(
            log,
            "intervals not scored whose records were read in earlier batches",
            "their records are not dead-lettered; see the reason",
        )
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
        """A partition read again from its committed offset: skip what `mark` says was handled
        (each series read again takes the mark's watermark: `replay_marks.handled_before`)."""
        self.replay_marks.install(where, mark)

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
        for _ in self.handle_in_slices(records, outputs):
            pass
        return outputs

    def handle_in_slices(
        self, records: Sequence[ConsumedRecord], outputs: list[OutputRecord]
    ) -> Iterator[None]:
        """`handle_batch`, appending to `outputs`; it pauses (yields) after each slice of a
        large batch record's elements, for the agent to let the event loop run. Only inside
        such records: elsewhere the batch runs as one step, as it always has."""
        self.touched = []
        closed: dict[int, list[ClosedInterval]] = {}
        missing: dict[int, list[NoDataInterval]] = {}
        by_position = {(r.topic, r.partition, r.offset): r for r in records}
        now = self._now = self.clock()
        bounds = [runtime.dataset.event_times.bounds(now) for runtime in self.datasets]
        for record in records:
            self.metrics.events_consumed.inc()
            try:
                yield from self._record(record, bounds, outputs, closed, missing)
            except Exception as error:  # anything the record makes us raise
                outputs.append(self._handling_error(record, error))
        for index, runtime in enumerate(self.datasets):
            outputs += self._scored(runtime, closed.get(index, []), by_position)
            outputs += self._no_data(runtime, missing.get(index, []))
        self.metrics.series_live.set(self.series_count)
        for runtime in self.datasets:
            if runtime.dataset.interval_seconds is not None:
                idle = self.metrics.series_idle.labels(dataset=runtime.dataset.name)
                idle.set(runtime.aggregator.idle_series)
        self.metrics.series_warming.set(sum(r.scorer.warming_count for r in self.datasets))
        refused = sum(r.scorer.snapshots_refused for r in self.datasets)
        if refused > self._snapshots_refused:
            self.metrics.snapshots_refused.inc(refused - self._snapshots_refused)
            self._snapshots_refused = refused
        self.metrics.model_memory_bytes.set(sum(r.scorer.nbytes for r in self.datasets))
        self.refusals.report()

    def flush(self) -> list[OutputRecord]:
        """Close and score every open interval, as at the end of a stream (a replay's end:
        its last hours are rows too). Records read later for them are late."""
        outputs: list[OutputRecord] = []
        for runtime in self.datasets:
            emitted = runtime.aggregator.flush()
            closed = [item for item in emitted if isinstance(item, ClosedInterval)]
            outputs += self._scored(runtime, closed, {})
            gaps = [item for item in emitted if isinstance(item, NoDataInterval)]
            outputs += self._no_data(runtime, gaps)
        return outputs

    def _no_data(self, runtime: DatasetRuntime, gaps: list[NoDataInterval]) -> list[OutputRecord]:
        outputs = []
        for gap in gaps:
            if is_history(runtime.dataset, gap.end, self._now):
                continue  # a gap in history pages no one either
            try:
                anomaly = no_data_event(runtime.dataset.name, runtime.config_hash, gap)
            except Exception:  # a signal, no record behind it to dead-letter
                log.exception("no-data signal of %s not built", gap.series)
                continue
            self.metrics.anomalies_by_severity.labels(severity_band="no_data").inc()
            outputs.append(self._anomaly_record(anomaly.series, encode(anomaly)))
        return outputs

    def _record(
        self,
        record: ConsumedRecord,
        bounds: list[Bounds],
        outputs: list[OutputRecord],
        closed: dict[int, list[ClosedInterval]],
        missing: dict[int, list[NoDataInterval]],
    ) -> Iterator[None]:
        """One record: decoded, each element routed or dead-lettered; yields between slices."""
        marks = self.replay_marks
        mark = marks.mark_for(record.topic, record.partition, record.offset) if marks else None
        again = mark is not None and record.offset < mark.acked  # dead-lettered before
        model = self._formats.get(record.topic)
        if model is None:  # the agent reads only our topics: say so rather than drop it
            reason = f"no dataset reads topic {record.topic!r}"
            outputs.append(self._dead_letter(record, UNKNOWN_TOPIC, reason))
            return
        if not record.value:
            if not again:
                reason = "no value: a tombstone (null) or an empty record"
                outputs.append(self._dead_letter(record, EMPTY, reason))
            return
        try:
            decoded = decode_elements(model, record.value, self.settings.max_envelope_events)
        except SchemaError as error:
            if not again:
                outputs.append(self._dead_letter(record, error.kind, error.reason))
            return
        for count, element in enumerate(decoded, start=1):
            refused = element.error
            if refused is not None:
                if not again:
                    outputs.append(
                        self._dead_letter(record, refused.kind, refused.reason, element.raw)
                    )
            else:
                event = element.event
                assert isinstance(event, MetricEvent | DexTransaction)
                if not self._route(record, event, bounds, outputs, closed, missing, mark):
                    self.metrics.events_unmatched.inc()
            if count % ELEMENT_SLICE == 0:
                yield

    def _handling_error(self, record: ConsumedRecord, error: Exception) -> OutputRecord:
        """A record the handler failed on: dead-lettered, so the batch goes on without it."""
        self._handling_errors += 1
        if self._handling_errors == 1 or self._handling_errors % 1000 == 0:
            log.error(
                "%d record(s) made the worker fail and were dead-lettered (%s); latest: %s[%d]@%d",
                self._handling_errors,
                HANDLING_ERROR,
                record.topic,
                record.partition,
                record.offset,
                exc_info=error,
            )
        return self._dead_letter(record, HANDLING_ERROR, f"{type(error).__name__}: {error}")

    def _route(
        self,
        record: ConsumedRecord,
        event: MetricEvent | DexTransaction,
        bounds: list[Bounds],
        outputs: list[OutputRecord],
        closed: dict[int, list[ClosedInterval]],
        missing: dict[int, list[NoDataInterval]],
        mark: CommitMark | None,
    ) -> bool:
        """Give `event` to every dataset of its topic; False when none selected it.
        `bounds`: each dataset's event times taken. `mark`: the record is read again after a
        restart or rebalance (see `replay_marks`)."""
        selected = False
        for index, runtime in enumerate(self.datasets):
            if runtime.dataset.source.topic != record.topic:
                continue
            observation = runtime.selector.select(event)
            if observation is None:
                continue
            selected = True
            if not isinstance(observation, Rejection):
                refused = runtime.dataset.event_times.refusal(observation.event_time, bounds[index])
                observation = refused or observation
            if isinstance(observation, Rejection):
                if mark is None or record.offset >= mark.acked:  # else: dead-lettered before
                    outputs.append(self._rejected(record, runtime, observation))
                continue
            if mark is not None and handled_before(
                mark,
                record.offset,
                runtime.dataset.name,
                runtime.aggregator,
                observation.series,
                observation.dimensions,
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
        for result in self._score(runtime, intervals, by_position, outputs):
            if not isinstance(result, ScoredInterval):
                outputs += self._unscored(result.interval, result.reason, by_position)
                continue
            try:
                outputs += self._outputs_of(runtime, result, by_position)
            except Exception as error:  # e.g. a date an output cannot hold
                reason = f"{type(error).__name__}: {error}"
                outputs += self._unscored(result.interval, reason, by_position, HANDLING_ERROR)
        return outputs

    def _score(
        self,
        runtime: DatasetRuntime,
        intervals: list[ClosedInterval],
        by_position: dict[tuple[str, int, int], ConsumedRecord],
        outputs: list[OutputRecord],
    ) -> list[ScoredInterval | UnscoredInterval]:
        """The intervals scored in one call; should it fail, one by one, so that only the
        records of an interval that fails alone are dead-lettered."""
        try:
            return runtime.scorer.score(intervals)
        except Exception:  # retried one by one below
            log.exception(
                "scoring %d interval(s) of %s failed", len(intervals), runtime.dataset.name
            )
        results: list[ScoredInterval | UnscoredInterval] = []
        for interval in intervals:
            try:
                results += runtime.scorer.score([interval])
            except Exception as error:  # its records are dead-lettered
                reason = f"{type(error).__name__}: {error}"
                outputs += self._unscored(interval, reason, by_position, HANDLING_ERROR)
        return results

    def _outputs_of(
        self,
        runtime: DatasetRuntime,
        result: ScoredInterval,
        by_position: dict[tuple[str, int, int], ConsumedRecord],
    ) -> list[OutputRecord]:
        """What a scored interval sends: a drift decision, an anomaly, both or nothing."""
        outputs: list[OutputRecord] = []
        self.metrics.events_scored.inc()
        if result.interval.offsets:
            last = result.interval.offsets[-1]
            key = snapshot_key(runtime.dataset.name, result.interval.series)
            self.touched.append((key, last.topic, last.partition))
        if self.on_scored is not None:
            self.on_scored(runtime, result)
        if runtime.dataset.publishes_scores:
            outputs += self._score_record(runtime, result)
        if runtime.drift is not None:
            acted = runtime.drift.observe(result)
            if acted is not None:
                applied, event = acted
                self.drift_metrics.record(applied)
                outputs.append(
                    OutputRecord(
                        self.settings.topics.model_actions,
                        result.interval.series.encode(),
                        encode(event),
                    )
                )
        if self.priming.holds(runtime.dataset, result.interval.end, self._now):
            return outputs  # history: learnt, never paged
        if not result.verdict.is_anomaly:
            return outputs
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
        kind: str = MEASURES_MISMATCH,
    ) -> list[OutputRecord]:
        """Dead-letter the records behind an interval the model refused (those still in hand)."""
        outputs = []
        for offsets in interval.offsets:
            for offset in range(offsets.first, offsets.last + 1):
                record = by_position.get((offsets.topic, offsets.partition, offset))
                if record is not None:
                    outputs.append(self._dead_letter(record, kind, reason))
        if not outputs:  # an aggregated interval whose records were consumed in earlier batches
            self._unscored_log.note(f"{interval.series} at {interval.start}: {reason}")
        return outputs

    def _score_record(self, runtime: DatasetRuntime, result: ScoredInterval) -> list[OutputRecord]:
        measures = runtime.scorer.measures_of(result.interval.series)
        event = score_event(runtime.dataset.name, measures, result)
        if event is None:
            return []
        key = result.interval.series.encode()
        return [OutputRecord(self.settings.topics.scores, key, encode(event))]

    def _anomaly_record(self, series: str, value: bytes) -> OutputRecord:
        return OutputRecord(self.settings.topics.anomalies, series.encode(), value)

    def _rejected(
        self, record: ConsumedRecord, runtime: DatasetRuntime, rejection: Rejection
    ) -> OutputRecord:
        if rejection.reason == "late":
            self.metrics.events_late.labels(dataset=runtime.dataset.name).inc()
        self.refusals.note(runtime.dataset, rejection.reason)
        return self._dead_letter(
            record, rejection.reason, f"dataset {runtime.dataset.name}: {rejection.detail}"
        )

    def _dead_letter(
        self, record: ConsumedRecord, kind: str, reason: str, original: bytes | None = None
    ) -> OutputRecord:
        """`original`: the element of a batch record that was refused (default: the record).
        Counted and logged (in summaries) by whoever writes it, once the broker has it."""
        return dead_letter_output(
            self.settings.topics.dead_letter,
            record,
            kind,
            reason,
            self.settings.dead_letter_original_max_bytes,
            original,
        )
