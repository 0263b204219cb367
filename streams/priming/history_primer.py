"""History through the worker's own handler, and the snapshots a worker would resume from.

`HistoryPrimer` runs records (from a topic or a file, `record_feed.py`) through a
`MetricEventHandler` built from the worker's settings, exactly as the worker's agent does in
batches, so each series' model learns what a live worker would have learnt. What the handler
would have published (anomalies, dead letters) is counted, never produced. `snapshot_records`
then gives, per snapshot changelog, one record per series: its model state as the worker's
snapshotter writes it, in the partition the series' records came from.

At the end of history read from the datasets' own topic, the intervals still open are left
to the worker, which reads on from there; history from elsewhere (a file) is over, and
`close_history` scores them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dexwatch.messaging.topics import changelog_topic
from dexwatch.schemas.codec import decode
from dexwatch.schemas.dead_letter import DeadLetterRecord
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.scoring.dataset_runtime import SNAPSHOT_KEY_SEPARATOR
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.snapshots.changelog_snapshots import ChangelogRecord
from dexwatch.streams.snapshots.record import push_snapshot
from dexwatch.streams.snapshots.store import Snapshot
from dexwatch.streams.snapshots.table_names import snapshot_table_name

__all__ = ["HistoryPrimer", "PrimedSeries"]


@dataclass(frozen=True, slots=True)
class PrimedSeries:
    """One series' model after the history: where its snapshot goes and how much it learnt."""

    dataset: str
    series: str
    changelog: str
    record: ChangelogRecord
    points_seen: int


@dataclass
class PrimingTally:
    records: int = 0
    anomalies: int = 0  # judged anomalous; a prime pages no one
    dead_letters: Counter[str] = field(default_factory=Counter)


class HistoryPrimer:
    """The worker's handler over history; the snapshots of every series it scored."""

    def __init__(
        self, settings: WorkerSettings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.metrics = WorkerMetrics()
        self.handler = MetricEventHandler(settings, self.metrics, clock=clock)
        self.tally = PrimingTally()
        # snapshot key -> (source topic, partition) of the last record behind its last point
        self._sources: dict[str, tuple[str, int]] = {}

    @property
    def topics(self) -> tuple[str, ...]:
        return self.handler.topics

    def feed(self, batches: Iterable[Sequence[ConsumedRecord]]) -> None:
        """Each batch through the handler, as the worker's agent takes them."""
        for batch in batches:
            self.tally.records += len(batch)
            self._tally(self.handler.handle_batch(batch))

    def close_history(self) -> None:
        """Score the intervals still open: the history is over and no live record will add to
        them (a file; not the datasets' own topic, which the worker reads on from there)."""
        self.handler.touched = []
        self._tally(self.handler.flush())

    def _tally(self, outputs: list[OutputRecord]) -> None:
        for output in outputs:
            if output.topic == self.settings.topics.anomalies:
                self.tally.anomalies += 1
            elif output.topic == self.settings.topics.dead_letter:
                kind = decode(DeadLetterRecord, output.value).reason_kind
                self.tally.dead_letters[kind] += 1
        for key, topic, partition in self.handler.touched:
            self._sources[key] = (topic, partition)

    def primed(self, history: int | None = None) -> list[PrimedSeries]:
        """Every series scored, as a snapshot record (its first: version 1 unless the
        handler had restored one) for the changelog of its source topic's table."""
        kept = history or self.settings.snapshot_history
        at = self.clock()
        found = []
        for key, (topic, partition) in sorted(self._sources.items()):
            state = self.handler.series_state(key)
            if state is None:  # its dataset no longer scores it (never, in one run)
                continue
            snapshot = Snapshot(state.state, at, state.points_seen, state.version)
            table = snapshot_table_name(self.handler.topics.index(topic))
            dataset, _, series = key.partition(SNAPSHOT_KEY_SEPARATOR)
            found.append(
                PrimedSeries(
                    dataset,
                    series,
                    changelog_topic(self.settings.app_id, table),
                    ChangelogRecord(partition, key, push_snapshot(None, snapshot, kept)),
                    state.points_seen,
                )
            )
        return found

    def sample(self, name: str, **labels: str) -> float:
        return self.metrics.registry.get_sample_value(name, labels) or 0.0
