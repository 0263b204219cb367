"""Events a dataset refused, logged as summaries: one line per dataset at most every minute.

A cardinality attack once wrote a log line per refused event (398,901 lines, 75 MB in four
minutes). Each refused event is still dead-lettered with its reason and counted; the log says
how many, why, and what to do, however many come: the first refusal of a dataset at once, then
what came since at most every `every_s`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from dexwatch.streams.datasets import DatasetConfig
from dexwatch.streams.datasets.rejection import (
    LATE,
    MISSING_DIMENSION,
    NO_MEASURES,
    SERIES_LIMIT,
    TIME_OUT_OF_RANGE,
    RejectReason,
)

__all__ = ["REFUSAL_LOG_EVERY_S", "RefusalLog"]

log = logging.getLogger(__name__)

REFUSAL_LOG_EVERY_S = 60.0


def _advice(dataset: DatasetConfig, reason: RejectReason) -> str:
    if reason == SERIES_LIMIT:
        return (
            f"limit {dataset.max_series:,}; raise max_series if these series are expected, "
            "or narrow the dataset's filter or dimensions"
        )
    if reason == LATE:
        return "after their interval closed; raise allowed_lateness if producers are this late"
    if reason == TIME_OUT_OF_RANGE:
        return "event times outside event_times; check the producers' clocks and time units"
    if reason == MISSING_DIMENSION:
        return "a dimension the dataset names is absent; fix the producer or the dimensions"
    if reason == NO_MEASURES:
        return "none of the dataset's measures; fix the producer or the measures"
    return "see the dead letters"


@dataclass(slots=True)
class _Pending:
    dataset: DatasetConfig
    reasons: Counter[RejectReason] = field(default_factory=Counter)
    since: float = 0.0
    logged_once: bool = False


class RefusalLog:
    def __init__(
        self,
        dead_letter_topic: str,
        every_s: float = REFUSAL_LOG_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dead_letter_topic = dead_letter_topic
        self.every_s = every_s
        self._clock = clock
        self._pending: dict[str, _Pending] = {}

    def note(self, dataset: DatasetConfig, reason: RejectReason) -> None:
        """One event of `dataset` refused for `reason` (it is dead-lettered by the caller)."""
        pending = self._pending.get(dataset.name)
        if pending is None:
            pending = self._pending[dataset.name] = _Pending(dataset, since=self._clock())
        pending.reasons[reason] += 1
        if not pending.logged_once:  # the first one at once: something changed
            self._log(pending, self._clock())

    def report(self) -> None:
        """Log each dataset's refusals since its last line, if `every_s` has passed."""
        now = self._clock()
        for pending in self._pending.values():
            if pending.reasons and now - pending.since >= self.every_s:
                self._log(pending, now)

    def _log(self, pending: _Pending, now: float) -> None:
        dataset = pending.dataset
        reasons = "; ".join(
            f"{reason} {count:,} ({_advice(dataset, reason)})"
            for reason, count in pending.reasons.most_common()
        )
        window = (
            f"in the last {now - pending.since:.0f} s"
            if pending.logged_once
            else f"(summaries follow at most every {self.every_s:.0f} s)"
        )
        log.warning(
            "refused %s event(s) of dataset %s %s: %s; each is in %s with its reason",
            f"{pending.reasons.total():,}",
            dataset.name,
            window,
            reasons,
            self.dead_letter_topic,
        )
        pending.reasons.clear()
        pending.since = now
        pending.logged_once = True
