"""One dataset's incidents: anomalies in, incident versions out. Pure: no Kafka, no faust.

The lifecycle, driven by three inputs and the wall clock the caller passes (`now`):

- `add_anomaly`: the anomaly waits in its group window's pending list (`group_wait`, wall
  clock: the rest of the window's anomalies come from other partitions a little later);
- `add_feedback`: a person's verdict moves the offsets of its targets at once, and is recorded
  on the incident when it is still held;
- `observe_watermark`: event time moves on (the worker's aggregation watermark).

`advance(now)` does what is due: each pending window whose wait is over is judged (maintenance,
severity with the feedback offset, N-of-M confirmation), its anomalies are grouped with the
open incidents (a shared relation value joins them) into updates of those incidents or new
ones (unless in cooldown); incidents quiet for `resolve_after` in event time are resolved; and
every changed incident is sent as one new version, unless the dataset's clock is in a
maintenance window (then it waits). Everything it keeps is in `state` (`AlertState`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from schemas.anomaly_event import AnomalyEvent
from schemas.feedback import FeedbackEvent, FeedbackVerdict
from schemas.incident import IncidentEvent, IncidentFeedback, IncidentStatus, incident_id
from schemas.metric_event import series_key
from streams.datasets.config_hash import incident_config_hash
from streams.datasets.dataset_config import DatasetConfig
from streams.datasets.maintenance_window import in_maintenance
from streams.incidents.confirmation import Confirmation
from streams.incidents.contributors import contributors_of, keep_strongest
from streams.incidents.feedback_book import FeedbackBook
from streams.incidents.grouping import connected, shared_group
from streams.incidents.incident_building import incident_event
from streams.incidents.incident_state import (
    AlertState,
    ContributorRecord,
    IncidentRecord,
    PendingWindow,
    target_key,
)
from streams.incidents.relations import Relation, relation_values

__all__ = ["SUPPRESSION_REASONS", "BookResult", "IncidentBook"]

# Why an anomaly did not alert: a closed set (a metric label).
SUPPRESSION_REASONS = ("below_severity", "feedback", "unconfirmed", "cooldown", "maintenance")

# Bounds on what one dataset's state holds (it is one table record).
MAX_TRACKED_CONTRIBUTORS = 200
MAX_ANOMALY_IDS = 1000
MAX_FEEDBACK_PER_INCIDENT = 50
MAX_RESOLVED_KEPT = 50
MAX_FEEDBACK_IDS = 500
RESOLVED_KEPT_FOR = timedelta(days=1)  # event time (or the cooldown, when longer)

_Admitted = tuple[AnomalyEvent, list[ContributorRecord]]


@dataclass
class BookResult:
    """What the inputs since the last `take_result()` led to."""

    events: list[IncidentEvent] = field(default_factory=list)
    suppressed: Counter[str] = field(default_factory=Counter)
    opened: int = 0
    resolved: int = 0
    feedback: list[FeedbackVerdict] = field(default_factory=list)


class IncidentBook:
    def __init__(self, dataset: DatasetConfig, state: AlertState | None = None) -> None:
        self.dataset = dataset
        self.alerting = alerting = dataset.alerting
        self.state = state if state is not None else AlertState(dataset=dataset.name)
        self.config_hash = incident_config_hash(dataset)
        self._window_s = alerting.group_window_seconds(dataset.interval_seconds)
        self._resolve_after = timedelta(
            seconds=alerting.resolve_after_seconds(dataset.interval_seconds)
        )
        self._cooldown = timedelta(seconds=alerting.cooldown_seconds)
        # Events scored one by one have no watermark: a quiet incident resolves on the wall
        # clock too.
        self._wall_resolution = dataset.interval_seconds is None
        self.confirmation = Confirmation(alerting.confirm, self.state.anomalous_windows)
        self.feedback = FeedbackBook(alerting.feedback, self.state.offsets)
        # Ids of the anomalies held (pending or in an incident): a repeat of one is dropped.
        # Only what the state holds, so a book read back from its state drops the same ones.
        self._seen = {
            *(i for record in self.state.incidents for i in record.anomaly_ids),
            *(a.anomaly_id for window in self.state.pending for a in window.anomalies),
        }
        self._result = BookResult()

    # -- inputs ----------------------------------------------------------------------------

    def add_anomaly(self, anomaly: AnomalyEvent, now: float) -> None:
        """Hold `anomaly` in its window until `group_wait` has passed (repeats are dropped)."""
        if anomaly.dataset != self.dataset.name or anomaly.anomaly_id in self._seen:
            return
        self._seen.add(anomaly.anomaly_id)
        self._move_clock(anomaly.interval_end)
        start = self._window_start(anomaly.interval_start)
        for window in self.state.pending:
            if window.start == start:
                window.anomalies.append(anomaly)
                return
        pending = PendingWindow(start=start, first_arrival=now, anomalies=[anomaly])
        self.state.pending.append(pending)

    def add_feedback(self, feedback: FeedbackEvent) -> None:
        """Move its targets' offsets now (event time: the dataset's clock) and note it on the
        incident when it is still held (sent as a new version by the next `advance`)."""
        if feedback.dataset != self.dataset.name or feedback.feedback_id in self.state.feedback_ids:
            return
        self.state.feedback_ids = [*self.state.feedback_ids, feedback.feedback_id][
            -MAX_FEEDBACK_IDS:
        ]
        at = self.state.clock or feedback.given_at
        for target in feedback.targets:
            self.feedback.apply(feedback.verdict, target_key(target.series, target.measure), at)
        self._result.feedback.append(feedback.verdict)
        record = self._incident(feedback.incident_id)
        if record is not None:
            verdict = IncidentFeedback(
                verdict=feedback.verdict, note=feedback.note, given_at=feedback.given_at
            )
            record.feedback = [*record.feedback, verdict][-MAX_FEEDBACK_PER_INCIDENT:]
            record.dirty = True

    def observe_watermark(self, watermark: datetime | None) -> None:
        """Event time reached `watermark` (intervals ending before it are closed)."""
        if watermark is not None:
            self._move_clock(watermark)

    def advance(self, now: float) -> None:
        """Judge the windows whose wait is over, resolve quiet incidents, send what changed."""
        wait = self.alerting.group_wait_seconds
        due = sorted(
            (w for w in self.state.pending if now - w.first_arrival >= wait),
            key=lambda window: window.start,
        )
        for window in due:
            self.state.pending.remove(window)
            self._resolve_until(window.start)
            self._judge(window, now)
        horizon = self.state.clock
        if horizon is not None and self.state.pending:
            horizon = min(horizon, *(window.start for window in self.state.pending))
        if horizon is not None:
            self._resolve_until(horizon)
        if self._wall_resolution:
            self._resolve_quiet(now)
        self._publish(now)
        self._prune()

    def take_result(self) -> BookResult:
        result, self._result = self._result, BookResult()
        return result

    @property
    def open_count(self) -> int:
        return sum(1 for record in self.state.incidents if record.is_open)

    @property
    def needs_ticks(self) -> bool:
        """Whether something will become due with time alone (a wait, a resolution, a send)."""
        return bool(self.state.pending) or any(
            record.is_open or record.dirty for record in self.state.incidents
        )

    # -- judging a window ------------------------------------------------------------------

    def _judge(self, window: PendingWindow, now: float) -> None:
        admitted: list[_Admitted] = []
        number = int(window.start.timestamp()) // self._window_s
        for anomaly in sorted(window.anomalies, key=lambda a: (a.series, a.anomaly_id)):
            confirmed = self.confirmation.record(anomaly.series, number)
            reason, passing = self._screen(anomaly, window.start)
            if reason is None and not confirmed:
                reason = "unconfirmed"
            if reason is not None:
                self._result.suppressed[reason] += 1
            else:
                admitted.append((anomaly, passing))
        if admitted:
            self._group(window.start, admitted, now)
        held = {i for record in self.state.incidents for i in record.anomaly_ids}
        self._seen.difference_update(
            a.anomaly_id for a in window.anomalies if a.anomaly_id not in held
        )

    def _group(self, start: datetime, admitted: list[_Admitted], now: float) -> None:
        """Join the admitted anomalies to related open incidents, or open new ones."""
        open_incidents = [record for record in self.state.incidents if record.is_open]
        relations: list[frozenset[Relation]] = [
            frozenset().union(
                *(
                    relation_values(c.series, c.dimensions, self.alerting)
                    for c in record.contributors
                )
            )
            for record in open_incidents
        ]
        relations += [
            relation_values(anomaly.series, anomaly.dimensions, self.alerting)
            for anomaly, _ in admitted
        ]
        held = len(open_incidents)
        for members in connected(relations):
            joined = [admitted[index - held] for index in members if index >= held]
            if not joined:
                continue
            incidents = [open_incidents[index] for index in members if index < held]
            if incidents:
                oldest = min(incidents, key=lambda r: (r.first_interval_start, r.incident_id))
                self._merge(oldest, joined, now)
            else:
                self._open(start, joined, now)

    def _screen(
        self, anomaly: AnomalyEvent, at: datetime
    ) -> tuple[str | None, list[ContributorRecord]]:
        """Why `anomaly` may not alert (None: it may), and its contributors that may."""
        if in_maintenance(self.alerting.maintenance, anomaly.interval_start):
            return "maintenance", []
        minimum = self.alerting.min_severity
        passing = []
        for record in contributors_of(anomaly):
            record.offset = self.feedback.offset(record.target, at)
            if anomaly.severity >= minimum + record.offset:
                passing.append(record)
        if passing:
            return None, passing
        return ("feedback" if anomaly.severity >= minimum else "below_severity"), []

    def _open(self, start: datetime, joined: list[_Admitted], now: float) -> None:
        group = shared_group((anomaly.dimensions for anomaly, _ in joined), self.alerting)
        series = {anomaly.series for anomaly, _ in joined}
        group_key = series_key(group) if group else min(series)
        if self._cooling(start, group_key, series):
            self._result.suppressed["cooldown"] += len(joined)
            return
        new_id = incident_id(self.dataset.name, group_key, start)
        existing = self._incident(new_id)
        if existing is not None:  # the same window again (a replay): never a second incident
            if existing.is_open:
                self._merge(existing, joined, now)
            return
        self.state.incidents.append(
            IncidentRecord(
                incident_id=new_id,
                group_key=group_key,
                first_interval_start=min(a.interval_start for a, _ in joined),
                interval_start=max(a.interval_start for a, _ in joined),
                interval_end=max(a.interval_end for a, _ in joined),
                last_arrival=now,
                contributors=keep_strongest(
                    [], (r for _, records in joined for r in records), MAX_TRACKED_CONTRIBUTORS
                ),
                anomaly_ids=[anomaly.anomaly_id for anomaly, _ in joined][:MAX_ANOMALY_IDS],
            )
        )
        self._result.opened += 1

    def _cooling(self, start: datetime, group_key: str, series: set[str]) -> bool:
        """A resolved incident of the same group, or sharing a series, ended within cooldown."""
        if not self._cooldown:
            return False
        return any(
            record.resolved_at is not None
            and start < record.resolved_at + self._cooldown
            and (record.group_key == group_key or bool(record.series & series))
            for record in self.state.incidents
        )

    def _merge(self, record: IncidentRecord, joined: list[_Admitted], now: float) -> None:
        record.contributors = keep_strongest(
            record.contributors,
            (r for _, records in joined for r in records),
            MAX_TRACKED_CONTRIBUTORS,
        )
        ids = dict.fromkeys(record.anomaly_ids)
        ids.update(dict.fromkeys(anomaly.anomaly_id for anomaly, _ in joined))
        record.anomaly_ids = list(ids)[:MAX_ANOMALY_IDS]
        record.first_interval_start = min(
            record.first_interval_start, *(a.interval_start for a, _ in joined)
        )
        record.interval_start = max(record.interval_start, *(a.interval_start for a, _ in joined))
        record.interval_end = max(record.interval_end, *(a.interval_end for a, _ in joined))
        record.last_arrival = now
        record.dirty = True

    # -- resolution, sending, pruning ------------------------------------------------------

    def _resolve_until(self, moment: datetime) -> None:
        for record in self.state.incidents:
            if record.is_open and record.interval_end + self._resolve_after <= moment:
                self._resolve(record)

    def _resolve_quiet(self, now: float) -> None:
        quiet = self._resolve_after.total_seconds()
        for record in self.state.incidents:
            if record.is_open and now - record.last_arrival >= quiet:
                self._resolve(record)

    def _resolve(self, record: IncidentRecord) -> None:
        record.resolved_at = record.interval_end + self._resolve_after
        record.dirty = True
        self._result.resolved += 1

    def _publish(self, now: float) -> None:
        clock = self.state.clock
        if clock is not None and in_maintenance(self.alerting.maintenance, clock):
            return  # nothing is sent in a maintenance window; it goes out after it
        for record in self.state.incidents:
            if record.version == 0:
                record.version = 1
                self._send(record, "open", now)
                record.dirty = not record.is_open  # its resolution is still to be sent
            if record.dirty:
                record.version += 1
                self._send(record, "updated" if record.is_open else "resolved", now)
                record.dirty = False

    def _send(self, record: IncidentRecord, status: IncidentStatus, now: float) -> None:
        self._result.events.append(
            incident_event(
                record,
                dataset=self.dataset.name,
                status=status,
                alerting=self.alerting,
                config_hash=self.config_hash,
                now=now,
            )
        )

    def _prune(self) -> None:
        clock = self.state.clock
        if clock is None:
            return
        kept_for = max(RESOLVED_KEPT_FOR, self._cooldown)
        resolved = [
            record
            for record in self.state.incidents
            if record.resolved_at is not None and not record.dirty
        ]
        resolved.sort(key=lambda record: record.resolved_at or clock)
        dropped = {
            record.incident_id
            for index, record in enumerate(resolved)
            if index < len(resolved) - MAX_RESOLVED_KEPT
            or (record.resolved_at is not None and record.resolved_at + kept_for < clock)
        }
        if dropped:
            for record in self.state.incidents:
                if record.incident_id in dropped:
                    self._seen.difference_update(record.anomaly_ids)
            self.state.incidents = [
                record for record in self.state.incidents if record.incident_id not in dropped
            ]
        self.confirmation.forget_before(int(clock.timestamp()) // self._window_s)
        self.feedback.forget_negligible(clock)

    # -- helpers ---------------------------------------------------------------------------

    def _incident(self, wanted: str) -> IncidentRecord | None:
        return next((r for r in self.state.incidents if r.incident_id == wanted), None)

    def _move_clock(self, moment: datetime) -> None:
        if self.state.clock is None or moment > self.state.clock:
            self.state.clock = moment

    def _window_start(self, moment: datetime) -> datetime:
        seconds = int(moment.timestamp())
        return datetime.fromtimestamp(seconds - seconds % self._window_s, UTC)
