"""One dataset's incidents: anomalies in, incident versions out. Pure: no Kafka, no faust.

The lifecycle, driven by four inputs and the wall clock the caller passes (`now`):

- `add_anomaly`: the anomaly waits in its group window's pending list (`group_wait`, wall
  clock: the rest of the window's anomalies come from other partitions a little later);
- `add_feedback`: a person's verdict moves the offsets of its targets at once, and is recorded
  on the incident when it is still held;
- `add_statuses`: the scorer says which series are still outside their band (`band_book.py`);
- `observe_watermark`: event time moves on (the worker's aggregation watermark).

`advance(now)` does what is due: each pending window whose wait is over is judged (maintenance,
severity with the feedback offset, N-of-M confirmation), its anomalies are grouped with the
open incidents (a shared relation value joins them) into updates of those incidents or new
ones (unless in cooldown); incidents whose series have all been quiet (back inside their band,
or without anomaly nor status) for `resolve_after` in event time are resolved; and
every changed incident is sent as one new version, unless the dataset's clock is in a
maintenance window (then it waits). Everything it keeps is in `state` (`AlertState`),
within `IncidentLimits`: what a bound drops is counted in `BookResult.limited` (and, for
anomalies that can no longer alert, in `suppressed` as `limit`), never dropped silently.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.feedback import FeedbackEvent, FeedbackVerdict
from dexwatch.schemas.incident import IncidentEvent, IncidentFeedback, IncidentStatus, incident_id
from dexwatch.schemas.metric_event import series_key
from dexwatch.streams.datasets.config import DatasetConfig
from dexwatch.streams.datasets.config_hash import incident_config_hash
from dexwatch.streams.datasets.maintenance_window import in_maintenance
from dexwatch.streams.incidents.band_book import BandBook
from dexwatch.streams.incidents.band_status import BandStatuses, band_timing
from dexwatch.streams.incidents.building import incident_event
from dexwatch.streams.incidents.confirmation import Confirmation
from dexwatch.streams.incidents.contributors import (
    anomaly_strength,
    contributors_of,
    keep_strongest,
)
from dexwatch.streams.incidents.feedback_book import FeedbackBook
from dexwatch.streams.incidents.grouping import connected, shared_group
from dexwatch.streams.incidents.limits import DEFAULT_LIMITS, IncidentLimits, LimitName
from dexwatch.streams.incidents.relations import Relation, relation_values
from dexwatch.streams.incidents.state import (
    AlertState,
    ContributorRecord,
    IncidentRecord,
    PendingWindow,
    target_key,
)

__all__ = ["SUPPRESSION_REASONS", "BookResult", "IncidentBook"]

# Why an anomaly did not alert: a closed set (a metric label). `limit`: a bound of the state
# (incident_limits.py) left no room for it.
SUPPRESSION_REASONS = (
    "below_severity",
    "feedback",
    "unconfirmed",
    "cooldown",
    "maintenance",
    "limit",
)

_Admitted = tuple[AnomalyEvent, list[ContributorRecord]]
# A pending anomaly in the heap of the weakest: (strength, window start, arrival, it, window).
_Waiting = tuple[tuple[int, float], datetime, int, AnomalyEvent, PendingWindow]


@dataclass
class BookResult:
    """What the inputs since the last `take_result()` led to."""

    events: list[IncidentEvent] = field(default_factory=list)
    suppressed: Counter[str] = field(default_factory=Counter)
    opened: int = 0
    resolved: int = 0
    feedback: list[FeedbackVerdict] = field(default_factory=list)
    limited: Counter[LimitName] = field(default_factory=Counter)  # what each bound dropped


class IncidentBook:
    def __init__(
        self,
        dataset: DatasetConfig,
        state: AlertState | None = None,
        limits: IncidentLimits = DEFAULT_LIMITS,
    ) -> None:
        self.dataset = dataset
        self.limits = limits
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
        self.bands = BandBook(band_timing(dataset), self.state.bands)
        # Ids of the anomalies held (pending or in an incident): a repeat of one is dropped.
        # Only what the state holds, so a book read back from its state drops the same ones.
        self._seen = {
            *(i for record in self.state.incidents for i in record.anomaly_ids),
            *(a.anomaly_id for window in self.state.pending for a in window.anomalies),
        }
        # The pending anomalies, weakest first, once the pending bound is reached (None: not
        # built since the pending windows last changed otherwise).
        self._weakest: list[_Waiting] | None = None
        self._arrivals = itertools.count()  # ties in `_weakest`: first come, first dropped
        self._bands_changed = False  # a status or a tick since the last advance
        self._result = BookResult()

    # -- inputs ----------------------------------------------------------------------------

    def add_anomaly(self, anomaly: AnomalyEvent, now: float) -> None:
        """Hold `anomaly` in its window until `group_wait` has passed (repeats are dropped)."""
        if anomaly.dataset != self.dataset.name or anomaly.anomaly_id in self._seen:
            return
        self._move_clock(anomaly.interval_end)
        if not self._room_for(anomaly):
            return
        self._seen.add(anomaly.anomaly_id)
        self.bands.note_anomaly(anomaly.series, anomaly.interval_end, now)
        # What the book never reads is left out, so that a long explanation or many source
        # offsets do not fill the state (the anomalies topic keeps the whole event).
        anomaly = anomaly.model_copy(update={"explanation": "", "source_offsets": []})
        start = self._window_start(anomaly.interval_start)
        window = next((w for w in self.state.pending if w.start == start), None)
        if window is None:
            window = PendingWindow(start=start, first_arrival=now, anomalies=[])
            self.state.pending.append(window)
        window.anomalies.append(anomaly)
        if self._weakest is not None:
            heapq.heappush(self._weakest, self._waiting(anomaly, window))

    def add_feedback(self, feedback: FeedbackEvent) -> None:
        """Move its targets' offsets now (event time: the dataset's clock) and note it on the
        incident when it is still held (sent as a new version by the next `advance`)."""
        if feedback.dataset != self.dataset.name or feedback.feedback_id in self.state.feedback_ids:
            return
        self.state.feedback_ids = [*self.state.feedback_ids, feedback.feedback_id][
            -self.limits.max_feedback_ids :
        ]
        at = self.state.clock or feedback.given_at
        for target in feedback.targets:
            self.feedback.apply(feedback.verdict, target_key(target.series, target.measure), at)
        self._limited("feedback_offsets", self.feedback.bound(self.limits.max_feedback_offsets))
        self._result.feedback.append(feedback.verdict)
        record = self._incident(feedback.incident_id)
        if record is not None:
            verdict = IncidentFeedback(
                verdict=feedback.verdict, note=feedback.note, given_at=feedback.given_at
            )
            record.feedback = [*record.feedback, verdict][-self.limits.max_feedback_per_incident :]
            record.dirty = True

    def add_statuses(self, statuses: BandStatuses, now: float) -> None:
        """Which series are still outside their band (and event time: their intervals)."""
        if statuses.dataset != self.dataset.name:
            return
        for status in statuses.statuses:
            self.bands.note_status(status, now)
            self._move_clock(status.interval_end)
        self._bands_changed = True

    def observe_watermark(self, watermark: datetime | None) -> None:
        """Event time reached `watermark` (intervals ending before it are closed)."""
        if watermark is not None:
            self._move_clock(watermark)
        self._bands_changed = True  # a tick: unlinked statuses may have aged out

    def advance(self, now: float) -> None:
        """Judge the windows whose wait is over, resolve quiet incidents, send what changed."""
        wait = self.alerting.group_wait_seconds
        due = sorted(
            (w for w in self.state.pending if now - w.first_arrival >= wait),
            key=lambda window: window.start,
        )
        if due:  # judged windows leave the pending ones; otherwise the heap stays right
            self._weakest = None
        for window in due:
            self.state.pending.remove(window)
            self._resolve_until(window.start, now)
            self._judge(window, now)
        horizon = self.state.clock
        if horizon is not None and self.state.pending:
            horizon = min(horizon, *(window.start for window in self.state.pending))
        if horizon is not None:
            self._resolve_until(horizon, now)
        if self._wall_resolution:
            self._resolve_quiet(now)
        self._publish(now)
        self._prune()
        if self._bands_changed and self.state.bands:  # not per anomaly of a burst
            self._prune_bands(now)
        self._bands_changed = False

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
        limit = self.limits.max_confirmation_series
        self._limited("confirmation_series", self.confirmation.bound(limit))
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
        fresh: list[list[_Admitted]] = []
        for members in connected(relations):
            joined = [admitted[index - held] for index in members if index >= held]
            if not joined:
                continue
            incidents = [open_incidents[index] for index in members if index < held]
            if incidents:
                oldest = min(incidents, key=lambda r: (r.first_interval_start, r.incident_id))
                self._merge(oldest, joined, now)
            else:
                fresh.append(joined)
        room = self.limits.max_open_incidents - self.open_count
        if len(fresh) > room:
            # Not room for every new incident: the strongest groups first, the rest dropped.
            fresh.sort(key=lambda joined: max(anomaly_strength(a) for a, _ in joined), reverse=True)
        for joined in fresh:
            if self.open_count < self.limits.max_open_incidents:
                self._open(start, joined, now)
            else:
                self._result.suppressed["limit"] += len(joined)
                self._limited("open_incidents", len(joined))

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
        record = IncidentRecord(
            incident_id=new_id,
            group_key=group_key,
            first_interval_start=min(a.interval_start for a, _ in joined),
            interval_start=max(a.interval_start for a, _ in joined),
            interval_end=max(a.interval_end for a, _ in joined),
            last_arrival=now,
            contributors=[],
            anomaly_ids=[anomaly.anomaly_id for anomaly, _ in joined][
                : self.limits.max_anomaly_ids
            ],
        )
        self._add_contributors(record, joined)
        self.state.incidents.append(record)
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
        before = _news(record)
        self._add_contributors(record, joined)
        ids = dict.fromkeys(record.anomaly_ids)
        ids.update(dict.fromkeys(anomaly.anomaly_id for anomaly, _ in joined))
        record.anomaly_ids = list(ids)[: self.limits.max_anomaly_ids]
        record.first_interval_start = min(
            record.first_interval_start, *(a.interval_start for a, _ in joined)
        )
        record.interval_start = max(record.interval_start, *(a.interval_start for a, _ in joined))
        record.interval_end = max(record.interval_end, *(a.interval_end for a, _ in joined))
        record.last_arrival = now
        # A new version only when there is news: a higher severity or a series or measure that
        # was not in it (a threshold rule fires on every interval of a depeg: 150 versions of
        # the same incident at the same severity were noise to whoever reads them).
        record.dirty = record.dirty or _news(record) != before

    def _add_contributors(self, record: IncidentRecord, joined: list[_Admitted]) -> None:
        """Keep the strongest contributors (at most `max_tracked_contributors`) and count all."""
        new = [contributor for _, records in joined for contributor in records]
        targets = {c.target for c in record.contributors} | {c.target for c in new}
        limit = self.limits.max_tracked_contributors
        record.contributors = keep_strongest(record.contributors, new, limit)
        # Exact while everything is tracked; past the bound, the most seen at once (a series
        # dropped earlier and back now must not count twice).
        record.contributor_count = max(record.contributor_count, len(targets))
        self._limited("contributors", len(targets) - len(record.contributors))

    # -- resolution, sending, pruning ------------------------------------------------------

    def _resolve_until(self, moment: datetime, now: float) -> None:
        for record in self.state.incidents:
            if not record.is_open:
                continue
            quiet = self.bands.quiet_since(record.series, record.interval_end, moment, now)
            if quiet is not None and quiet + self._resolve_after <= moment:
                self._resolve(record, quiet)

    def _resolve_quiet(self, now: float) -> None:
        quiet = self._resolve_after.total_seconds()
        for record in self.state.incidents:
            if record.is_open and now - record.last_arrival >= quiet:
                self._resolve(record, record.interval_end)

    def _resolve(self, record: IncidentRecord, quiet_since: datetime) -> None:
        record.resolved_at = quiet_since + self._resolve_after
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
        kept_for = max(self.limits.resolved_kept_for, self._cooldown)
        resolved = [
            record
            for record in self.state.incidents
            if record.resolved_at is not None and not record.dirty
        ]
        resolved.sort(key=lambda record: record.resolved_at or clock)
        dropped = {
            record.incident_id
            for index, record in enumerate(resolved)
            if index < len(resolved) - self.limits.max_resolved_kept
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

    def _prune_bands(self, now: float) -> None:
        """Band statuses only matter for series in open incidents or pending anomalies."""
        linked = {a.series for window in self.state.pending for a in window.anomalies}
        linked.update(*(record.series for record in self.state.incidents if record.is_open))
        self.bands.prune(linked, now)
        self._limited("band_series", self.bands.bound(self.limits.max_band_series, linked))

    # -- bounds ----------------------------------------------------------------------------

    def _room_for(self, anomaly: AnomalyEvent) -> bool:
        """Whether `anomaly` may wait in a pending window: yes while there is room; when full,
        only if it is stronger than the weakest one waiting, which then makes way for it."""
        if sum(len(w.anomalies) for w in self.state.pending) < self.limits.max_pending_anomalies:
            return True
        self._result.suppressed["limit"] += 1
        self._limited("pending_anomalies", 1)
        if self._weakest is None:  # a heap: a burst must not cost a scan per anomaly
            self._weakest = [self._waiting(a, w) for w in self.state.pending for a in w.anomalies]
            heapq.heapify(self._weakest)
        if anomaly_strength(anomaly) <= self._weakest[0][0]:
            return False  # no stronger than any waiting: it is the one dropped
        *_, weakest, window = heapq.heappop(self._weakest)
        window.anomalies = [a for a in window.anomalies if a is not weakest]
        if not window.anomalies:
            self.state.pending.remove(window)
        self._seen.discard(weakest.anomaly_id)
        return True

    def _waiting(self, anomaly: AnomalyEvent, window: PendingWindow) -> _Waiting:
        # Equal strength: the oldest window's first, then the first to arrive.
        return anomaly_strength(anomaly), window.start, next(self._arrivals), anomaly, window

    def _limited(self, limit: LimitName, dropped: int) -> None:
        if dropped > 0:
            self._result.limited[limit] += dropped

    # -- helpers ---------------------------------------------------------------------------

    def _incident(self, wanted: str) -> IncidentRecord | None:
        return next((r for r in self.state.incidents if r.incident_id == wanted), None)

    def _move_clock(self, moment: datetime) -> None:
        if self.state.clock is None or moment > self.state.clock:
            self.state.clock = moment

    def _window_start(self, moment: datetime) -> datetime:
        seconds = int(moment.timestamp())
        return datetime.fromtimestamp(seconds - seconds % self._window_s, UTC)


def _news(record: IncidentRecord) -> tuple[int, frozenset[tuple[str, str | None]], int]:
    """What a reader of the incident would call news: its severity, who contributes, how many."""
    severity = max((c.severity for c in record.contributors), default=0)
    targets = frozenset((c.series, c.measure) for c in record.contributors)
    return severity, targets, record.contributor_count
