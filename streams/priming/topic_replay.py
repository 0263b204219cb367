"""History from a topic through the worker's own handler: the streaming code path, replayed.

`TopicReplay` builds a `MetricEventHandler` from the same `WorkerSettings` a worker would use
(its datasets file, or the default per-event dataset over the metrics topic), reads a bounded
range of the topic (`streams.priming.topic_reader`) in batches as the worker's agent does, and hands
every scored interval to a callback as a row. What the handler would have published (anomaly
events and dead letters) is tallied, never produced: a replay writes nothing to Kafka.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from dexwatch.detectors.verdict import Verdict
from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.codec import decode
from dexwatch.schemas.dead_letter import DeadLetterRecord
from dexwatch.schemas.errors import ConfigError
from dexwatch.schemas.model_action import ModelActionEvent
from dexwatch.streams.aggregation import ClosedInterval
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import OutputRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.priming.topic_reader import PartitionRange, StartPosition, TopicReader
from dexwatch.streams.scoring.dataset_runtime import DatasetRuntime
from dexwatch.streams.scoring.dataset_scorer import ScoredInterval
from dexwatch.streams.settings import WorkerSettings

__all__ = ["BATCH_RECORDS", "ReplayProgress", "ReplaySummary", "ReplayedRow", "TopicReplay"]

BATCH_RECORDS = 1000  # as the worker's agent takes them (streams.engine.faust.app.BATCH_RECORDS)

ReplayProgress = Callable[[int, int, float], None]
"""Called now and then with the records read so far, the records to read, seconds elapsed."""

_EXAMPLES_KEPT = 5


@dataclass(frozen=True, slots=True)
class ReplayedRow:
    """One scored interval of one dataset, with its verdict."""

    dataset: str
    interval: ClosedInterval
    verdict: Verdict


@dataclass
class ReplaySummary:
    """What a replay read and what the handler made of it."""

    ranges: list[PartitionRange]
    records: int = 0
    rows: int = 0
    alerts: int = 0
    anomaly_events: int = 0
    no_data_events: int = 0
    unmatched: int = 0
    primed: int = 0  # points older than their dataset's alert_after: no anomaly event
    series: int = 0
    seconds: float = 0.0
    dead_letters: Counter[str] = field(default_factory=Counter)
    dead_letter_examples: list[str] = field(default_factory=list)
    # Drift decisions by the action that took effect (retrain, rollback, alert).
    model_actions: Counter[str] = field(default_factory=Counter)

    def model_action_summary(self) -> str:
        """E.g. `2 model action(s) (retrain: 2)`, or `no model actions`."""
        return _counted(self.model_actions, "model action")

    def dead_letter_summary(self) -> str:
        """E.g. `3 dead letter(s) (invalid_json: 2, late: 1)`, or `no dead letters`."""
        return _counted(self.dead_letters, "dead letter")


def _counted(counts: Counter[str], noun: str) -> str:
    total = sum(counts.values())
    if not total:
        return f"no {noun}s"
    kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(counts.items()))
    return f"{total} {noun}(s) ({kinds})"


class TopicReplay:
    """The worker's handler over a bounded range of `topic`; every scored interval to `on_row`.

    Fails at construction (before any read) when the settings are bad or no dataset reads
    `topic`.
    """

    def __init__(
        self,
        settings: WorkerSettings,
        topic: str,
        *,
        batch_records: int = BATCH_RECORDS,
        on_progress: ReplayProgress | None = None,
        progress_seconds: float = 5.0,
    ) -> None:
        self.settings = settings
        self.topic = topic
        self.batch_records = batch_records
        self.on_progress = on_progress
        self.progress_seconds = progress_seconds
        self.metrics = WorkerMetrics()
        self.handler = MetricEventHandler(settings, self.metrics, on_scored=self._scored)
        if topic not in self.handler.topics:
            raise ConfigError(
                f"no dataset reads topic {topic!r}; the datasets read {list(self.handler.topics)}"
            )
        self._on_row: Callable[[ReplayedRow], None] | None = None
        self._summary: ReplaySummary | None = None
        self._row_error: Exception | None = None

    def run(self, start: StartPosition, on_row: Callable[[ReplayedRow], None]) -> ReplaySummary:
        """Read from `start` to the end of when the read began; rows in scoring order."""
        started = time.monotonic()
        with TopicReader(self.settings.bootstrap_servers, self.topic, start) as reader:
            summary = self._summary = ReplaySummary(reader.ranges)
            self._on_row = on_row
            last_report = started
            for batch in reader.batches(self.batch_records):
                summary.records += len(batch)
                for output in self.handler.handle_batch(batch):
                    self._tally(summary, output)
                if self._row_error is not None:  # the caller's, not the record's: stop here
                    raise self._row_error
                now = time.monotonic()
                if self.on_progress is not None and now - last_report >= self.progress_seconds:
                    last_report = now
                    self.on_progress(summary.records, reader.total, now - started)
            for output in self.handler.flush():  # the end of the range closes every interval
                self._tally(summary, output)
            if self._row_error is not None:
                raise self._row_error
        unmatched = self.metrics.registry.get_sample_value("dexwatch_events_unmatched_total")
        summary.unmatched = int(unmatched or 0)
        summary.primed = int(
            sum(
                sample.value
                for family in self.metrics.registry.collect()
                if family.name == "dexwatch_points_primed"
                for sample in family.samples
                if sample.name == "dexwatch_points_primed_total"
            )
        )
        summary.series = self.handler.series_count
        summary.seconds = time.monotonic() - started
        return summary

    def _scored(self, runtime: DatasetRuntime, scored: ScoredInterval) -> None:
        assert self._on_row is not None
        assert self._summary is not None
        self._summary.rows += 1
        self._summary.alerts += scored.verdict.is_anomaly
        if self._row_error is not None:
            return
        # The handler turns what it catches into dead letters; an error of `on_row` (say, the
        # labels refusing a second series) is the caller's and must reach it.
        try:
            self._on_row(ReplayedRow(runtime.dataset.name, scored.interval, scored.verdict))
        except Exception as error:
            self._row_error = error

    def _tally(self, summary: ReplaySummary, output: OutputRecord) -> None:
        """Each output by the topic it would go to: the handler writes anomalies, drift's
        model actions and dead letters."""
        if output.topic == self.settings.topics.anomalies:
            anomaly = decode(AnomalyEvent, output.value)
            summary.anomaly_events += 1
            summary.no_data_events += anomaly.kind == "no_data"
            return
        if output.topic == self.settings.topics.model_actions:
            action = decode(ModelActionEvent, output.value)
            summary.model_actions[action.applied_action] += 1
            return
        if output.topic != self.settings.topics.dead_letter:  # an output a replay ignores
            return
        dead = decode(DeadLetterRecord, output.value)
        summary.dead_letters[dead.reason_kind] += 1
        if len(summary.dead_letter_examples) < _EXAMPLES_KEPT:
            where = f"{dead.topic}[{dead.partition}]@{dead.offset}"
            summary.dead_letter_examples.append(f"{where}: {dead.reason_kind}: {dead.reason}")
