"""The scorer's side of "still out": after an anomaly, whether the series' values are still
outside the bands they left, sent to the incidents agent as `BandStatuses`.

An anomaly opens an episode for its series with the band of each measure that stood outside
it: the measure's level band at that point (a rule's own band for a rule), before the departure
taught the model otherwise (the model's level follows a sustained departure within a day or
two; the peg does not move).
Each later interval of the series is checked against those bands. A status goes out when the
set of measures outside changes, and while any is outside at most once per `heartbeat` of
event time (an anomaly event of the series counts as one). Back inside for `resolve_after`,
the episode ends; out again before that, it goes on. A measure whose value is not among the
model's inputs (a ratio measure) is not watched; an anomaly with no measure outside its level
band (a joint move, or a step within the level's band) opens no episode, and its incident
resolves on quiet.

Episodes live in memory: after a restart or a rebalance a series reports again from its next
anomaly, and until then its incidents fall back to the quiet rule (`stale_after`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from dexwatch.detectors.verdict import Verdict
from dexwatch.schemas.codec import encode
from dexwatch.streams.incidents.band_status import (
    STATUSES_PER_RECORD,
    BandStatus,
    BandStatuses,
    BandTiming,
    band_timing,
)
from dexwatch.streams.incidents.inputs import incident_inputs_topic, input_headers
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import OutputRecord
from dexwatch.streams.scoring.dataset_runtime import DatasetRuntime
from dexwatch.streams.scoring.dataset_scorer import ScoredInterval

__all__ = ["BandWatch", "DatasetBandWatch", "watch_bands"]


@dataclass(slots=True)
class _Episode:
    bands: dict[str, tuple[float, float]]  # measure -> (low, high) it left
    out: frozenset[str]
    last_end: datetime  # the latest interval seen
    reported: datetime | None = None  # interval end of the latest status or anomaly
    inside_since: datetime | None = None  # while every measure is back inside


@dataclass(slots=True)
class DatasetBandWatch:
    """The episodes of one dataset's series, and the statuses not yet taken."""

    dataset: str
    timing: BandTiming
    episodes: dict[str, _Episode] = field(default_factory=dict)
    pending: list[BandStatus] = field(default_factory=list)
    latest: datetime | None = None  # the latest interval end seen: episodes left behind end

    def observe(self, scored: ScoredInterval, measures: Sequence[str]) -> None:
        """One scored interval of a series; `measures` names `scored.inputs` in order."""
        verdict, interval = scored.verdict, scored.interval
        if verdict.warming_up:
            return  # no judgement (warming up, or a point learnt before a snapshot)
        values = dict(zip(measures, scored.inputs, strict=False))
        episode = self.episodes.get(interval.series)
        if verdict.is_anomaly:
            left = _bands_left(verdict, values, dict(zip(measures, scored.bands, strict=False)))
            if episode is None and left:
                episode = self.episodes[interval.series] = _Episode(left, frozenset(), interval.end)
            elif episode is not None:  # the first band a measure left is the one watched
                episode.bands = {**left, **episode.bands}
        if self.latest is None or interval.end > self.latest:
            self.latest = interval.end
        if episode is None:
            return
        out = frozenset(
            name for name, (low, high) in episode.bands.items() if not low <= values[name] <= high
        )
        episode.last_end = interval.end
        if verdict.is_anomaly:
            episode.reported = interval.end  # the anomaly event says "out" itself
        changed = out != episode.out
        due = (
            bool(out)
            and episode.reported is not None
            and interval.end - episode.reported >= self.timing.heartbeat
        )
        episode.out = out
        if out:
            episode.inside_since = None
        elif episode.inside_since is None:
            episode.inside_since = interval.start
        if (changed or due) and not verdict.is_anomaly:
            self._report(interval.series, scored, out)
            episode.reported = interval.end
        if episode.inside_since is not None and (
            interval.end - episode.inside_since >= self.timing.resolve_after
        ):
            del self.episodes[interval.series]

    def take(self) -> list[BandStatuses]:
        """The statuses since the last take, a record's worth at a time; episodes of series
        not seen for `stale_after` are dropped (they stopped reporting or moved away)."""
        if self.latest is not None:
            horizon = self.latest - self.timing.stale_after
            for series in [s for s, e in self.episodes.items() if e.last_end < horizon]:
                del self.episodes[series]
        pending, self.pending = self.pending, []
        return [
            BandStatuses(dataset=self.dataset, statuses=tuple(pending[i : i + STATUSES_PER_RECORD]))
            for i in range(0, len(pending), STATUSES_PER_RECORD)
        ]

    def _report(self, series: str, scored: ScoredInterval, out: frozenset[str]) -> None:
        interval = scored.interval
        self.pending.append(
            BandStatus(
                series=series,
                interval_start=interval.start,
                interval_end=interval.end,
                out=tuple(sorted(out)),
            )
        )


def _bands_left(
    verdict: Verdict, values: Mapping[str, float], levels: Mapping[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """The bands an anomaly's measures stood outside: a rule's own band; for the model's views,
    the measure's level band (a step's band follows the previous value, so a random walk
    leaves it again within a few steps; a time-of-day slot's is one hour's)."""
    left = {}
    for move in verdict.moves:
        value = values.get(move.measure)
        if value is None:
            continue  # a ratio measure: not among the model's inputs
        if move.by_rule:
            band = move.expected_low, move.expected_high
        else:
            band = levels.get(move.measure, (math.nan, math.nan))
        low, high = band
        if not low <= value <= high and not (math.isnan(low) or math.isnan(high)):
            left[move.measure] = band
    return left


class BandWatch:
    """The band watches of a handler's datasets with alerting, fed by its `on_scored`, and
    their statuses as records of the incident inputs topic (key: the dataset)."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.datasets: dict[str, DatasetBandWatch | None] = {}  # None: sends no statuses

    def observe(self, runtime: DatasetRuntime, scored: ScoredInterval) -> None:
        name = runtime.dataset.name
        if name not in self.datasets:
            timing = band_timing(runtime.dataset)
            self.datasets[name] = None if timing is None else DatasetBandWatch(name, timing)
        watch = self.datasets[name]
        if watch is not None:
            watch.observe(scored, runtime.scorer.measures_of(scored.interval.series))

    def take(self) -> list[OutputRecord]:
        """The statuses observed since the last take, as records to send."""
        return [
            OutputRecord(self.topic, name.encode(), encode(record), headers=_HEADERS)
            for name, watch in self.datasets.items()
            if watch is not None
            for record in watch.take()
        ]


_HEADERS = tuple(input_headers("status"))


def watch_bands(handler: MetricEventHandler, app_id: str) -> BandWatch:
    """A band watch fed by every interval `handler` scores (after its earlier `on_scored`);
    its records go to the incident inputs topic of `app_id`."""
    watch = BandWatch(incident_inputs_topic(app_id))
    earlier: Callable[[DatasetRuntime, ScoredInterval], None] | None = handler.on_scored

    def on_scored(runtime: DatasetRuntime, scored: ScoredInterval) -> None:
        if earlier is not None:
            earlier(runtime, scored)
        watch.observe(runtime, scored)

    handler.on_scored = on_scored
    return watch
