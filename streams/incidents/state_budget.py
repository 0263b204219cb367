"""Fit a dataset's encoded incident state under a byte budget before it is written.

The state is one table record, and the broker refuses a record over `message.max.bytes`: a
refused write would stop the dataset's incidents, so the write always happens, after the least
important parts of the state are shed until it fits. In order, each stage only when the one
before was not enough:

1. contributors beyond those listed on the events (nobody sees them; the count stays);
2. resolved incidents already sent, oldest first (kept for cooldowns, late feedback, replays);
3. N-of-M history, feedback offsets and band statuses, least recent first (re-learnt from
   new anomalies and statuses; an incident whose series' status is shed resolves on quiet);
4. pending anomalies, weakest first, oldest window first among equals (they will not alert);
5. what events carry but decisions do not need: anomaly ids past the first, feedback notes
   and verdict ids, oldest first; then listed contributors past the strongest of each.

Incidents themselves are never dropped while open or while a version of theirs is unsent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from dexwatch.streams.incidents.contributors import anomaly_strength
from dexwatch.streams.incidents.state import AlertState, encode_state

__all__ = ["SHED_PARTS", "Fitted", "fit_state"]

# What a stage may shed, in order: (bytes it frees, the list or dict holding it, the item or
# key to remove).
_Candidates = Iterator[tuple[int, list[Any] | dict[str, Any], Any]]


@dataclass(frozen=True, slots=True)
class Fitted:
    payload: bytes  # the state, encoded after shedding
    shed: Counter[str] = field(default_factory=Counter)  # part -> items shed


def _size(value: Any) -> int:
    """Bytes `value` takes in the encoded state, with its separator."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return len(orjson.dumps(value)) + 1


def _entry_size(key: str, value: Any) -> int:
    return _size(key) + _size(value)


def _unlisted_contributors(state: AlertState, listed: int) -> _Candidates:
    return _contributors(state, keep=listed)


def _listed_contributors(state: AlertState, _listed: int) -> _Candidates:
    return _contributors(state, keep=1)


def _contributors(state: AlertState, keep: int) -> _Candidates:
    """The contributors past the `keep` strongest of each incident, weakest first."""
    for record in state.incidents:  # the count keeps saying how many there were
        record.contributor_count = max(record.contributor_count, len(record.contributors))
    tail = [(c, r.contributors) for r in state.incidents for c in r.contributors[keep:]]
    for contributor, held in sorted(tail, key=lambda item: item[0].weight):
        yield _size(contributor), held, contributor


def _resolved_incidents(state: AlertState, _listed: int) -> _Candidates:
    sent = [r for r in state.incidents if r.resolved_at is not None and not r.dirty]
    for record in sorted(sent, key=lambda r: (r.resolved_at, r.incident_id)):
        yield _size(record), state.incidents, record


def _confirmation_series(state: AlertState, _listed: int) -> _Candidates:
    windows = state.anomalous_windows
    for series in sorted(windows, key=lambda series: (windows[series][-1], series)):
        yield _entry_size(series, windows[series]), windows, series


def _feedback_offsets(state: AlertState, _listed: int) -> _Candidates:
    offsets = state.offsets
    for target in sorted(offsets, key=lambda target: (offsets[target].as_of, target)):
        yield _entry_size(target, offsets[target]), offsets, target


def _band_series(state: AlertState, _listed: int) -> _Candidates:
    bands = state.bands
    for series in sorted(bands, key=lambda series: (bands[series].at, series)):
        yield _entry_size(series, bands[series]), bands, series


def _pending_anomalies(state: AlertState, _listed: int) -> _Candidates:
    waiting = [(a, w) for w in state.pending for a in w.anomalies]
    waiting.sort(key=lambda item: (anomaly_strength(item[0]), item[1].start, item[0].anomaly_id))
    for anomaly, window in waiting:
        yield _size(anomaly), window.anomalies, anomaly


def _anomaly_ids(state: AlertState, _listed: int) -> _Candidates:
    for record in state.incidents:
        for anomaly_id in reversed(record.anomaly_ids[1:]):  # the latest first, the first kept
            yield _size(anomaly_id), record.anomaly_ids, anomaly_id


def _incident_feedback(state: AlertState, _listed: int) -> _Candidates:
    for record in state.incidents:
        for verdict in list(record.feedback):
            yield _size(verdict), record.feedback, verdict


def _feedback_ids(state: AlertState, _listed: int) -> _Candidates:
    for feedback_id in list(state.feedback_ids):
        yield _size(feedback_id), state.feedback_ids, feedback_id


# (part, its candidates in the order they are shed), least important part first.
_STAGES: tuple[tuple[str, Callable[[AlertState, int], _Candidates]], ...] = (
    ("unlisted_contributors", _unlisted_contributors),
    ("resolved_incidents", _resolved_incidents),
    ("confirmation_series", _confirmation_series),
    ("feedback_offsets", _feedback_offsets),
    ("band_series", _band_series),
    ("pending_anomalies", _pending_anomalies),
    ("anomaly_ids", _anomaly_ids),
    ("incident_feedback", _incident_feedback),
    ("feedback_ids", _feedback_ids),
    ("listed_contributors", _listed_contributors),
)
SHED_PARTS = tuple(name for name, _ in _STAGES)


def fit_state(state: AlertState, max_bytes: int, listed: int) -> Fitted:
    """`state` encoded, after shedding (in place) what it takes to be at most `max_bytes`;
    `listed` is how many contributors the events list (`alerting.max_contributors`)."""
    payload = encode_state(state)
    shed: Counter[str] = Counter()
    for part, candidates in _STAGES:
        # Sizes are estimated item by item; a stage runs again if the estimate fell short.
        while len(payload) > max_bytes:
            excess, dropped = len(payload) - max_bytes, 0
            from_lists: dict[int, tuple[list[Any], set[int]]] = {}
            for cost, holder, item in candidates(state, listed):
                if isinstance(holder, dict):
                    del holder[item]
                else:  # removed below, all at once, by identity: one pass per list
                    from_lists.setdefault(id(holder), (holder, set()))[1].add(id(item))
                dropped += 1
                excess -= cost
                if excess <= 0:
                    break
            if not dropped:
                break
            for holder, gone in from_lists.values():
                holder[:] = [item for item in holder if id(item) not in gone]
            shed[part] += dropped
            state.pending = [window for window in state.pending if window.anomalies]
            payload = encode_state(state)
    return Fitted(payload, shed)
