"""Whether a series is still outside its band: the compact status the scorer sends the
incidents agent, and how often.

The repeat guard holds back anomaly events while a departure goes on (one alert, not fifty),
so an incident cannot tell "nothing new" from "over" by anomalies alone. The worker's scorer
(`streams.scoring.band_watch`) therefore reports, per series, which of its measures are still
outside the band they left: when that changes, and while out at most once per `heartbeat` of
event time (the incidents agent takes an out series unheard for `stale_after` as one that
stopped reporting). Statuses of one handler batch and dataset travel together, at most
`STATUSES_PER_RECORD` per record, on the incident inputs topic (header `status`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from dexwatch.schemas.metric_event import UtcDatetime
from dexwatch.streams.datasets.config import DatasetConfig

__all__ = ["STATUSES_PER_RECORD", "BandStatus", "BandStatuses", "BandTiming", "band_timing"]

STATUSES_PER_RECORD = 500  # about 60 KB of JSON with typical series keys


class BandStatus(BaseModel):
    """One series at the end of one interval: the measures still outside their band
    (empty: back inside, from `interval_start` on)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    series: str
    interval_start: UtcDatetime
    interval_end: UtcDatetime
    out: tuple[str, ...] = Field(default=(), description="Measures outside their band.")


class BandStatuses(BaseModel):
    """The statuses of one dataset from one batch of the scorer, oldest first per series."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str
    statuses: tuple[BandStatus, ...]


@dataclass(frozen=True, slots=True)
class BandTiming:
    heartbeat: timedelta  # an out series is reported again after this much event time
    stale_after: timedelta  # an out series unheard this long has stopped reporting
    resolve_after: timedelta  # back inside this long: its part of an incident is over


def band_timing(dataset: DatasetConfig) -> BandTiming | None:
    """The status timing of an interval dataset with alerting (None: it sends no statuses;
    per-event datasets have no intervals to report on, their incidents resolve by quiet)."""
    interval = dataset.interval_seconds
    if interval is None or not dataset.alerting.enabled:
        return None
    resolve_after = timedelta(seconds=dataset.alerting.resolve_after_seconds(interval))
    step = timedelta(seconds=interval)
    # Twice within `resolve_after`, at most once an interval: a lost or late status never
    # resolves an incident by itself, and 10,000 series out send one status each per heartbeat.
    heartbeat = max(step, resolve_after / 2)
    # A status comes after its interval closes (allowed lateness) and travels apart from the
    # watermark's ticks: some slack before an unheard series counts as silent.
    lateness = timedelta(seconds=dataset.lateness_seconds)
    stale_after = resolve_after + heartbeat + step + lateness
    return BandTiming(heartbeat, stale_after, resolve_after)
