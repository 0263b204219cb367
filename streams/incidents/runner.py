"""The worker's side of incidents, without faust: one `IncidentBook` per dataset, its state
in and out as bytes, metrics, and which ticks to send.

The faust agent gives it each input with the dataset's stored state and stores what it
returns; the timer asks it which datasets to tick. A book stays in memory between inputs while
the stored state is the one it last returned (a rebalance that brought other state in is
noticed by the bytes differing). A state is returned for writing only when more than its clock
changed: the clock comes back with the next tick, and every table write is a changelog record
(and, written just before a rebalance, a standby partition to read during it). A state over
`max_state_bytes` is shed until it fits (`state_budget.py`) before it is returned: the broker
would refuse it, and the write must happen.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import get_args

from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.codec import decode, encode
from dexwatch.schemas.errors import SchemaError, StateFormatError
from dexwatch.schemas.feedback import FeedbackEvent, FeedbackVerdict
from dexwatch.schemas.incident import INCIDENT_STATUSES, IncidentEvent
from dexwatch.streams.datasets.config import DatasetConfig
from dexwatch.streams.incidents.band_status import BandStatuses
from dexwatch.streams.incidents.book import SUPPRESSION_REASONS, BookResult, IncidentBook
from dexwatch.streams.incidents.inputs import InputKind, Tick
from dexwatch.streams.incidents.limit_reports import LimitReports
from dexwatch.streams.incidents.limits import DEFAULT_LIMITS, IncidentLimits, LimitName
from dexwatch.streams.incidents.state import AlertState, decode_state, encode_state
from dexwatch.streams.incidents.state_budget import fit_state
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.summary_log import SummaryLog

__all__ = ["BROADCAST_S", "Handled", "IncidentRunner"]

log = logging.getLogger(__name__)

BROADCAST_S = 30.0  # every worker ticks every dataset this often, whoever owns it


@dataclass(frozen=True, slots=True)
class Handled:
    events: list[IncidentEvent]
    state: bytes | None  # the dataset's new state; None when there is nothing to write


# An input as it was applied: kind, record value, wall clock.
_Input = tuple[InputKind, bytes, float]


@dataclass(slots=True)
class _Held:
    stored: bytes | None  # what the table holds
    book: IncidentBook  # that state, and the inputs applied since
    signature: bytes  # the stored state without its clock
    # The inputs applied since `stored`, to apply again after a failed one.
    journal: list[_Input] = field(default_factory=list)


def _signature(state: AlertState) -> bytes:
    return encode_state(state.model_copy(update={"clock": None}))


def _apply(
    book: IncidentBook, kind: InputKind, payload: bytes, now: float, refused: SummaryLog
) -> BookResult:
    """`book` after one input at `now`; what it led to. An input that is not valid JSON of its
    kind is logged and changes nothing but the time."""
    try:
        if kind == "anomaly":
            book.add_anomaly(decode(AnomalyEvent, payload), now)
        elif kind == "feedback":
            book.add_feedback(decode(FeedbackEvent, payload))
        elif kind == "status":
            book.add_statuses(decode(BandStatuses, payload), now)
        else:
            book.observe_watermark(decode(Tick, payload).watermark)
    except SchemaError as error:
        refused.note(f"dataset {book.dataset.name} ({kind}): {error}")
    book.advance(now)
    return book.take_result()


class IncidentRunner:
    def __init__(
        self,
        datasets: Sequence[DatasetConfig],
        metrics: WorkerMetrics,
        limits: IncidentLimits = DEFAULT_LIMITS,
    ) -> None:
        self.datasets = {d.name: d for d in datasets if d.alerting.enabled}
        self.metrics = metrics
        self.limits = limits
        self.limit_reports = LimitReports(metrics.registry, limits, self.datasets)
        self._held: dict[str, _Held] = {}
        # A flood of bad inputs (the feedback topic is anyone's): a line a minute, not one each.
        self._refused = SummaryLog(
            log,
            "incident inputs refused",
            "they change nothing; feedback must match schemas/feedback.py (dexwatch feedback)",
        )
        self._owned: dict[str, int] = {}  # dataset -> input partition, last seen here
        self._attention: set[str] = set()  # owned datasets with something due in time
        self._sent_watermarks: dict[str, datetime | None] = {}
        self._last_broadcast: float | None = None
        for name in self.datasets:  # every series of the closed label sets shows from the start
            metrics.incidents_open.labels(dataset=name).set(0)
            for reason in SUPPRESSION_REASONS:
                metrics.anomalies_suppressed.labels(dataset=name, reason=reason)
            for status in INCIDENT_STATUSES:
                metrics.incident_events.labels(dataset=name, status=status)
            for verdict in get_args(FeedbackVerdict):
                metrics.feedback_applied.labels(dataset=name, verdict=verdict)

    def handle(
        self,
        dataset: str,
        kind: InputKind | None,
        payload: bytes,
        stored: bytes | None,
        partition: int,
        now: float,
    ) -> Handled:
        """One input of `dataset` (whose stored state is `stored`) at wall-clock `now`, and the
        state to write after it: `apply` then `settle`."""
        events = self.apply(dataset, kind, payload, stored, partition, now)
        return Handled(events, self.settle(dataset, now))

    def apply(
        self,
        dataset: str,
        kind: InputKind | None,
        payload: bytes,
        stored: bytes | None,
        partition: int,
        now: float,
    ) -> list[IncidentEvent]:
        """One input of `dataset` (whose stored state is `stored`) at wall-clock `now`: the
        versions to send. The state is not encoded: `settle` does that once for a batch.

        An input that fails leaves the held state as it was before it (the inputs applied
        since the stored state are applied again to it), then the error is raised."""
        config = self.datasets.get(dataset)
        if config is None or kind is None:
            return []
        held = self._hold(config, stored)
        try:
            result = _apply(held.book, kind, payload, now, self._refused)
        except Exception:
            self._replay(held)
            raise
        held.journal.append((kind, payload, now))
        self._report(held.book, result, now)
        self._owned[dataset] = partition
        if held.book.needs_ticks:
            self._attention.add(dataset)
        else:
            self._attention.discard(dataset)
        return result.events

    def settle(self, dataset: str, now: float) -> bytes | None:
        """The state of `dataset` to write after the inputs applied since the last settle
        (send their versions first); None when only its clock changed or nothing is held."""
        held = self._held.get(dataset)
        if held is None:
            return None
        held.journal.clear()
        signature = _signature(held.book.state)
        if signature == held.signature:
            return None
        payload = encode_state(held.book.state)
        if len(payload) > self.limits.max_state_bytes:
            payload = self._shed(held, now)
            signature = _signature(held.book.state)
        held.stored, held.signature = payload, signature
        return payload

    def due_ticks(
        self, watermarks: Mapping[str, datetime | None], monotonic: float
    ) -> list[tuple[str, bytes]]:
        """(dataset, tick record value) to send now: for the datasets owned here that have
        something due, those whose watermark moved, and every dataset every `BROADCAST_S`."""
        broadcast = self._last_broadcast is None or monotonic - self._last_broadcast >= BROADCAST_S
        if broadcast:
            self._last_broadcast = monotonic
        due = []
        for name in self.datasets:
            watermark = watermarks.get(name)
            moved = watermark != self._sent_watermarks.get(name)
            if broadcast or moved or name in self._attention:
                self._sent_watermarks[name] = watermark
                due.append((name, encode(Tick(watermark=watermark))))
        return due

    def broadcast_soon(self) -> None:
        """After a rebalance: tick every dataset at once, so new owners pick up their work."""
        self._last_broadcast = None

    def retract(self, dataset: str) -> None:
        """Undo the last input applied to `dataset` since the last settle (its versions could
        not all be sent): the held state goes back to what it was before that input."""
        held = self._held.get(dataset)
        if held is not None and held.journal:
            held.journal.pop()
            self._replay(held)

    def revoked(self, partitions: set[int]) -> None:
        """Input partitions moved away: their datasets are no longer this worker's."""
        for name, partition in list(self._owned.items()):
            if partition in partitions:
                del self._owned[name]
                self._attention.discard(name)
                self._held.pop(name, None)
                self.metrics.incidents_open.labels(dataset=name).set(0)

    def _report(self, book: IncidentBook, result: BookResult, now: float) -> None:
        """Metrics and logs of what one input led to."""
        dataset = book.dataset.name
        for reason, count in result.suppressed.items():
            self.metrics.anomalies_suppressed.labels(dataset=dataset, reason=reason).inc(count)
        for verdict in result.feedback:
            self.metrics.feedback_applied.labels(dataset=dataset, verdict=verdict).inc()
        self.limit_reports.report(dataset, result.limited, now)
        for event in result.events:
            self.metrics.incident_events.labels(dataset=dataset, status=event.status).inc()
            log.info(
                "incident %s v%d %s (dataset %s, severity %d): %s",
                event.incident_id,
                event.version,
                event.status,
                dataset,
                event.severity,
                event.title,
            )
        self.metrics.incidents_open.labels(dataset=dataset).set(book.open_count)

    def _replay(self, held: _Held) -> None:
        """Back to the stored state and the inputs applied since (their versions went out
        already, so they are not reported again): the state before a failed input. Dropping
        them instead would send their versions' numbers again with other content, which sinks
        would drop as repeats."""
        config = held.book.dataset
        try:
            book = self._book(config, held.stored) or IncidentBook(config, limits=self.limits)
            for kind, payload, now in held.journal:
                _apply(book, kind, payload, now, self._refused)
        except Exception:  # cannot happen unless the book is not deterministic
            log.exception("dataset %s: could not apply its inputs again", config.name)
            self._held.pop(config.name, None)  # the next input starts from the stored state
            return
        held.book = book

    def _shed(self, held: _Held, now: float) -> bytes:
        """The held state, shed to fit `max_state_bytes`, and reported."""
        config = held.book.dataset
        state = held.book.state
        fitted = fit_state(state, self.limits.max_state_bytes, config.alerting.max_contributors)
        # A new book over the shed state: what it derives from the state (the ids it holds,
        # the weakest pending anomaly) must not remember what was shed.
        held.book = IncidentBook(config, state, self.limits)
        dropped = fitted.shed["pending_anomalies"]
        self.metrics.anomalies_suppressed.labels(dataset=config.name, reason="limit").inc(dropped)
        shed: dict[LimitName, int] = {"state_size": fitted.shed.total()}
        self.limit_reports.report(config.name, shed, now, fitted.shed)
        return fitted.payload

    def _hold(self, config: DatasetConfig, stored: bytes | None) -> _Held:
        held = self._held.get(config.name)
        if held is None or held.stored != stored:
            book = self._book(config, stored)
            # An unreadable stored state gets no signature: the fresh one replaces it.
            signature = _signature(book.state) if book is not None else b""
            book = book or IncidentBook(config, limits=self.limits)
            held = self._held[config.name] = _Held(stored, book, signature)
        return held

    def _book(self, config: DatasetConfig, stored: bytes | None) -> IncidentBook | None:
        """The book of `stored` (a new one for None); None when it cannot be read."""
        if stored is None:
            return IncidentBook(config, limits=self.limits)
        try:
            return IncidentBook(config, decode_state(stored), self.limits)
        except StateFormatError as error:
            log.error(
                "dataset %s: unreadable incident state, starting afresh: %s", config.name, error
            )
            return None
