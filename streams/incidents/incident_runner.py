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
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

from schemas.anomaly_event import AnomalyEvent
from schemas.codec import decode, encode
from schemas.errors import SchemaError, StateFormatError
from schemas.feedback import FeedbackEvent, FeedbackVerdict
from schemas.incident import INCIDENT_STATUSES, IncidentEvent
from streams.datasets.dataset_config import DatasetConfig
from streams.incidents.incident_book import SUPPRESSION_REASONS, IncidentBook
from streams.incidents.incident_inputs import InputKind, Tick
from streams.incidents.incident_limits import DEFAULT_LIMITS, IncidentLimits, LimitName
from streams.incidents.incident_state import AlertState, decode_state, encode_state
from streams.incidents.limit_reports import LimitReports
from streams.incidents.state_budget import fit_state
from streams.metrics import WorkerMetrics

__all__ = ["BROADCAST_S", "Handled", "IncidentRunner"]

log = logging.getLogger(__name__)

BROADCAST_S = 30.0  # every worker ticks every dataset this often, whoever owns it


@dataclass(frozen=True, slots=True)
class Handled:
    events: list[IncidentEvent]
    state: bytes | None  # the dataset's new state; None when there is nothing to write


@dataclass(slots=True)
class _Held:
    stored: bytes | None  # what the table holds
    book: IncidentBook  # that state, and what happened since (at most a later clock)
    signature: bytes  # the stored state without its clock


def _signature(state: AlertState) -> bytes:
    return encode_state(state.model_copy(update={"clock": None}))


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
        """One input of `dataset` (whose stored state is `stored`) at wall-clock `now`."""
        config = self.datasets.get(dataset)
        if config is None or kind is None:
            return Handled([], None)
        held = self._hold(config, stored)
        book = held.book
        try:
            if kind == "anomaly":
                book.add_anomaly(decode(AnomalyEvent, payload), now)
            elif kind == "feedback":
                book.add_feedback(decode(FeedbackEvent, payload))
            else:
                book.observe_watermark(decode(Tick, payload).watermark)
        except SchemaError as error:
            log.warning("incident input of dataset %s (%s) refused: %s", dataset, kind, error)
        book.advance(now)
        result = book.take_result()
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
        self._owned[dataset] = partition
        if book.needs_ticks:
            self._attention.add(dataset)
        else:
            self._attention.discard(dataset)
        signature = _signature(book.state)
        if signature == held.signature:
            return Handled(result.events, None)
        payload = encode_state(book.state)
        if len(payload) > self.limits.max_state_bytes:
            payload = self._shed(held, now)
            signature = _signature(held.book.state)
        held.stored, held.signature = payload, signature
        return Handled(result.events, held.stored)

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

    def discard(self, dataset: str) -> None:
        """Drop the held state of `dataset`: the next input starts again from the table (after
        a failure between changing the state and storing it)."""
        self._held.pop(dataset, None)

    def revoked(self, partitions: set[int]) -> None:
        """Input partitions moved away: their datasets are no longer this worker's."""
        for name, partition in list(self._owned.items()):
            if partition in partitions:
                del self._owned[name]
                self._attention.discard(name)
                self._held.pop(name, None)
                self.metrics.incidents_open.labels(dataset=name).set(0)

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
