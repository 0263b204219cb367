"""Reporting the bounds of the incident state when they bite: a counter and a WARNING log.

Every item a bound drops is counted at once (`dexwatch_incident_limit_drops_total{dataset,
limit}`); the log says which dataset, which bound and what to do, at most once a minute per
dataset and bound (a burst bites on every anomaly: one line each would drown the log), with
the count since its last line.
"""

from __future__ import annotations

import logging
from collections import Counter as Tally
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter

from dexwatch.streams.incidents.limits import (
    LIMIT_ADVICE,
    LIMIT_NAMES,
    IncidentLimits,
    LimitName,
)

__all__ = ["WARN_EVERY_S", "LimitReports"]

log = logging.getLogger(__name__)

WARN_EVERY_S = 60.0

# The setting behind each limit, named in the log.
_SETTING: dict[LimitName, str] = {
    "pending_anomalies": "max_pending_anomalies",
    "open_incidents": "max_open_incidents",
    "contributors": "max_tracked_contributors",
    "confirmation_series": "max_confirmation_series",
    "feedback_offsets": "max_feedback_offsets",
    "band_series": "max_band_series",
    "state_size": "max_state_bytes",
}


@dataclass(slots=True)
class _Unlogged:
    dropped: int = 0
    logged_at: float | None = None
    details: Tally[str] = field(default_factory=Tally)


class LimitReports:
    def __init__(
        self, registry: CollectorRegistry, limits: IncidentLimits, datasets: Iterable[str]
    ) -> None:
        self.limits = limits
        self.drops = Counter(
            "dexwatch_incident_limit_drops_total",
            "Items a bound on a dataset's incident state dropped, by limit (pending_anomalies, "
            "open_incidents, contributors, confirmation_series, feedback_offsets, state_size).",
            ["dataset", "limit"],
            registry=registry,
        )
        for name in datasets:  # every series of the closed label set shows from the start
            for limit in LIMIT_NAMES:
                self.drops.labels(dataset=name, limit=limit)
        self._unlogged: dict[tuple[str, LimitName], _Unlogged] = {}

    def report(
        self,
        dataset: str,
        dropped: Mapping[LimitName, int],
        now: float,
        details: Mapping[str, int] | None = None,
    ) -> None:
        """Count what the bounds of `dataset` dropped at wall clock `now` and warn when due;
        `details` breaks a drop down by part (the state size: what was shed)."""
        for limit, count in dropped.items():
            if count <= 0:
                continue
            self.drops.labels(dataset=dataset, limit=limit).inc(count)
            unlogged = self._unlogged.setdefault((dataset, limit), _Unlogged())
            unlogged.dropped += count
            unlogged.details.update(details or {})
            if unlogged.logged_at is None or now - unlogged.logged_at >= WARN_EVERY_S:
                self._warn(dataset, limit, unlogged)
                unlogged.dropped, unlogged.logged_at = 0, now
                unlogged.details.clear()

    def _warn(self, dataset: str, limit: LimitName, unlogged: _Unlogged) -> None:
        setting = _SETTING[limit]
        parts = ", ".join(f"{count} {part}" for part, count in sorted(unlogged.details.items()))
        log.warning(
            "dataset %s: incident state limit %s=%d reached, %d dropped%s: %s",
            dataset,
            setting,
            getattr(self.limits, setting),
            unlogged.dropped,
            f" ({parts})" if parts else "",
            LIMIT_ADVICE[limit],
        )
