"""Per-series interval aggregation in event time, for one dataset: pure, no Kafka, no clock.

Intervals are aligned to the Unix epoch (UTC). Each series has its own watermark: its newest
event time minus the dataset's allowed lateness (`series_clocks`); a series' interval closes
when its watermark reaches its end, and an event of that series for a closed interval is
late: rejected with reason `late` and counted, never dropped unseen. A series that stays
silent while the rest of the dataset moves `idle_timeout` on is idle: its open intervals
close and, with no-data signals on, the intervals the dataset's watermark passes are missed
(at most `no_data_max_consecutive`; each closed for that series once signalled). Nothing else
moves its watermark, so a producer that catches up is scored. Only open intervals are kept: at
most `allowed_lateness / interval + 1` per series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dexwatch.schemas.errors import StateFormatError
from dexwatch.streams.aggregation.accumulators import ZERO_WHEN_EMPTY
from dexwatch.streams.aggregation.aggregator_state import (
    AggregatorState,
    BucketState,
    SeriesState,
    parse_state,
)
from dexwatch.streams.aggregation.interval_bucket import IntervalBucket
from dexwatch.streams.aggregation.interval_outputs import (
    AddResult,
    ClosedInterval,
    Emitted,
    OffsetRange,
    SourcePosition,
)
from dexwatch.streams.aggregation.open_offsets import OpenOffsets
from dexwatch.streams.aggregation.series_clocks import SeriesClock, SeriesClocks
from dexwatch.streams.aggregation.series_tracker import SeriesRecord, SeriesTracker, from_micros
from dexwatch.streams.datasets.config import DatasetConfig
from dexwatch.streams.datasets.measure_spec import Aggregation
from dexwatch.streams.datasets.rejection import LATE, SERIES_LIMIT, Rejection
from dexwatch.streams.intake.records import Partition

__all__ = ["AggregatorCounts", "IntervalAggregator"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(slots=True)
class AggregatorCounts:
    """Running totals for the caller to export as metrics (they are not part of the state)."""

    accepted: int = 0
    late: int = 0
    series_limit: int = 0
    closed: int = 0
    no_data: int = 0


class IntervalAggregator:
    """One per dataset. Feed it events with `add()`; it returns the intervals that closed.

    With interval `none`, every accepted event comes straight back as a one-event interval.
    """

    def __init__(self, dataset: DatasetConfig) -> None:
        self.dataset = dataset
        seconds = dataset.interval_seconds
        self._step_us = None if seconds is None else seconds * 1_000_000
        self._clocks = SeriesClocks(
            self._step_us or 1,
            dataset.lateness_seconds * 1_000_000,
            dataset.idle_timeout_seconds * 1_000_000,
        )
        self._layout: dict[str, Aggregation] | None = (
            None
            if isinstance(dataset.measures, str)
            else {spec.name: spec.aggregation for spec in dataset.measures}
        )
        self._tracker = SeriesTracker(
            dataset.name,
            dataset.max_series,
            self._step_us or 1,
            dataset.no_data_max_consecutive if dataset.no_data else None,
        )
        self._open: dict[str, dict[int, IntervalBucket]] = {}  # series -> start -> bucket
        self._open_offsets = OpenOffsets()
        self._missed_until_us: int | None = None  # idle series' no-data signals reach this
        self.counts = AggregatorCounts()

    @property
    def series_count(self) -> int:
        """Series admitted so far (what the cardinality guard counts)."""
        return len(self._tracker.records)

    @property
    def open_intervals(self) -> int:
        return sum(len(buckets) for buckets in self._open.values())

    @property
    def idle_series(self) -> int:
        """Series silent for the dataset's idle timeout (what they held is closed)."""
        return len(self._clocks.idle)

    @property
    def watermark(self) -> datetime | None:
        """Every series that is not idle has closed its intervals ending by this time (an idle
        one closed all it held); None before any event."""
        low = self.watermark_us
        return None if low is None else from_micros(low)

    @property
    def watermark_us(self) -> int | None:
        """`watermark` in microseconds since the epoch: what a commit mark vouches for."""
        return self._clocks.low_watermark() if self._step_us is not None else None

    def series_watermark(self, series: str) -> datetime | None:
        """`series`' own watermark: its intervals ending by it are closed (None: not seen)."""
        closed = self._clocks.closed_us(series)
        return None if closed is None else from_micros(closed)

    def add(
        self,
        series: str,
        dimensions: dict[str, str],
        event_time: datetime,
        values: Mapping[str, float | str],
        position: SourcePosition,
    ) -> AddResult:
        """Take one event (values keyed by measure name); what closed, or why it was refused."""
        time_us = (event_time - _EPOCH) // _MICROSECOND
        step = self._step_us
        if step is not None:
            start = time_us - time_us % step
            closed = self._clocks.closed_us(series)
            if closed is not None and start + step <= closed:
                return self._late(series, event_time, start, closed)
        if not self._tracker.admit(series, dimensions):
            self.counts.series_limit += 1
            return AddResult(
                rejected=Rejection(
                    SERIES_LIMIT,
                    f"series {series!r} is new and dataset {self.dataset.name} already holds "
                    f"max_series={self.dataset.max_series} series",
                )
            )
        self.counts.accepted += 1
        if step is None:  # interval 'none': the event is its own interval
            self.counts.closed += 1
            return AddResult([self._single(series, dimensions, event_time, values, position)])
        buckets = self._open.setdefault(series, {})
        bucket = buckets.get(start)
        if bucket is None:
            bucket = buckets[start] = IntervalBucket()
        assert self._layout is not None  # '*' measures are only valid with interval 'none'
        bucket.add(self._layout, values, time_us, position)
        self._open_offsets.add(
            (series, start), (position.topic, position.partition), position.offset
        )
        moved, moved_frontier = self._clocks.hear(series, time_us)
        emitted: list[Emitted] = []
        if moved:
            horizon = self._clocks.horizon(time_us)
            if horizon > self._clocks.clocks[series].closed_us:  # the series' next interval
                emitted += self._close_series(series, horizon)
        if moved_frontier:
            emitted += self._close_idle()
        return AddResult(emitted=self._counted(emitted)) if emitted else AddResult()

    def first_open_offsets(self) -> dict[Partition, int]:
        """Per partition, the lowest offset of a record a re-read from the commit would need:
        held in an open interval, or in a closed one the dataset's watermark has not passed."""
        return self._open_offsets.firsts(self.watermark_us)

    def read_again(
        self, series: str, dimensions: dict[str, str], event_time: datetime, scored_us: int
    ) -> bool:
        """A record read again after a crash or rebalance, whose commit mark says every
        interval ending by `scored_us` was scored (see `commit_marks.replay_marks`): whether
        its interval was, so it is skipped. Either way its series takes the mark's watermark
        and its event time, so what comes after is judged as the previous worker would."""
        step = self._step_us
        if step is None or not self._tracker.admit(series, dimensions):
            return False
        time_us = (event_time - _EPOCH) // _MICROSECOND
        skipped = time_us - time_us % step + step <= scored_us
        if skipped or series not in self._clocks.clocks:  # else `add` hears it
            self._clocks.hear(series, time_us, move_frontier=False)
        self._clocks.close(series, scored_us)
        return skipped

    def drop_partitions(self, partitions: set[Partition]) -> int:
        """Forget the open intervals holding records of `partitions` (revoked: they are read
        again from the committed offset, by this worker or another); the buckets dropped."""
        dropped = 0
        for series in list(self._open):
            buckets = self._open[series]
            for start in [s for s, b in buckets.items() if partitions.intersection(b.offsets)]:
                del buckets[start]
                self._open_offsets.discard((series, start))
                dropped += 1
            if not buckets:
                del self._open[series]
        self._open_offsets.forget(partitions)
        return dropped

    def reset_watermark(self) -> None:
        """Start event time again (every partition was revoked): re-read records rebuild their
        intervals instead of being found late, and committed marks raise it again."""
        self._clocks.forget_all()
        self._missed_until_us = None

    def advance(self, event_time: datetime) -> list[Emitted]:
        """Move the dataset's event time on without an event (e.g. a quiet stream's clock):
        what the series it leaves idle close and miss."""
        time_us = (event_time - _EPOCH) // _MICROSECOND
        frontier = self._clocks.frontier_us
        if self._step_us is None or (frontier is not None and time_us <= frontier):
            return []
        self._clocks.frontier_us = time_us
        return self._counted(self._close_idle())

    def flush(self) -> list[Emitted]:
        """Close every open interval, as at the end of a stream: later events for them are late."""
        step = self._step_us
        if step is None or not self._open:
            return []
        horizon = max(max(buckets) for buckets in self._open.values()) + step
        emitted: list[Emitted] = []
        for series in list(self._clocks.clocks):
            emitted += self._close_series(series, horizon)
        return self._counted(emitted)

    def export_state(self) -> dict[str, Any]:
        """The open state as JSON-ready plain data (see `aggregator_state`)."""
        clocks = self._clocks
        series_states = {}
        for series, record in self._tracker.records.items():
            clock = clocks.clocks.get(series)
            series_states[series] = SeriesState(
                dimensions=record.dimensions,
                last_data_us=record.last_data_us,
                missing=record.missing,
                max_us=None if clock is None else clock.max_us,
                closed_us=None if clock is None else clock.closed_us,
                heard_us=None if clock is None else clock.heard_us,
                idle=series in clocks.idle,
            )
        state = AggregatorState(
            dataset=self.dataset.name,
            interval=self.dataset.interval,
            measures=list((self._layout or {}).items()),
            frontier_us=clocks.frontier_us,
            series=series_states,
            buckets=[
                _bucket_state(series, start, bucket)
                for series, buckets in sorted(self._open.items())
                for start, bucket in sorted(buckets.items())
            ],
        )
        return state.model_dump(mode="json")

    @classmethod
    def from_state(cls, dataset: DatasetConfig, data: Any) -> IntervalAggregator:
        """An aggregator that goes on from `export_state()`'s output; `StateFormatError` if not."""
        state = parse_state(data)
        aggregator = cls(dataset)
        layout = list((aggregator._layout or {}).items())
        if not state.layout_matches(dataset.interval, layout):
            raise StateFormatError(
                f"aggregator state has interval {state.interval} and measures {state.measures}; "
                f"dataset {dataset.name} now has interval {dataset.interval} and measures {layout}"
            )
        aggregator._tracker.restore(
            {
                series: SeriesRecord(dict(item.dimensions), item.last_data_us, item.missing)
                for series, item in state.series.items()
            }
        )
        aggregator._clocks.restore(
            state.frontier_us,
            {
                series: SeriesClock(item.max_us, item.closed_us, item.heard_us)
                for series, item in state.series.items()
                if item.max_us is not None
                and item.closed_us is not None
                and item.heard_us is not None
            },
            [series for series, item in state.series.items() if item.idle],
        )
        aggregator._missed_until_us = aggregator._clocks.dataset_horizon()
        for item in state.buckets:
            if item.series not in state.series:
                raise StateFormatError(f"bucket of unknown series {item.series!r}")
            aggregator._open.setdefault(item.series, {})[item.start_us] = IntervalBucket.restore(
                aggregator._layout or {}, item.event_count, item.measures, item.offsets
            )
            for topic, partition, first, _last in item.offsets:
                aggregator._open_offsets.add(
                    (item.series, item.start_us), (topic, partition), first
                )
        return aggregator

    def _single(
        self,
        series: str,
        dimensions: dict[str, str],
        event_time: datetime,
        values: Mapping[str, float | str],
        position: SourcePosition,
    ) -> ClosedInterval:
        """One event as its own interval, without an accumulator: what `IntervalBucket` would
        close it to (the hot path of every-event datasets)."""
        layout = self._layout
        if layout is None:  # '*': the event's measures as they are (all numbers)
            measures = {name: float(value) for name, value in values.items()}
        else:
            measures = {}
            for name, aggregation in layout.items():
                value = values.get(name)
                if value is None:
                    if aggregation in ZERO_WHEN_EMPTY:
                        measures[name] = 0.0
                elif aggregation in ("count", "count_distinct"):
                    measures[name] = 1.0
                else:
                    measures[name] = float(value)
        offset = position.offset
        return ClosedInterval(
            series=series,
            dimensions=dimensions,
            start=event_time,
            end=event_time,
            measures=measures,
            event_count=1,
            offsets=(OffsetRange(position.topic, position.partition, offset, offset),),
        )

    def _close_series(self, series: str, until_us: int) -> list[Emitted]:
        """Close `series`' intervals ending by `until_us`, in time order, with the no-data
        signals before and after them; its watermark is then `until_us`."""
        closed = self._clocks.closed_us(series)
        step = self._step_us
        assert step is not None
        assert self._layout is not None
        emitted: list[Emitted] = []
        buckets = self._open.get(series)
        if buckets:
            dimensions = self._tracker.records[series].dimensions
            due = [start for start in buckets if start + step <= until_us]
            for start in sorted(due) if len(due) > 1 else due:
                self._open_offsets.close((series, start), start + step)
                bucket = buckets.pop(start)
                emitted += self._tracker.had_data(series, start)
                emitted.append(
                    bucket.close(
                        self._layout,
                        series,
                        dimensions,
                        from_micros(start),
                        from_micros(start + step),
                    )
                )
            if not buckets:
                del self._open[series]
        if closed is None or until_us > closed:
            if self._tracker.no_data_limit is not None:
                emitted += self._tracker.missing_until(series, until_us)
            self._clocks.close(series, until_us)
        return emitted

    def _close_idle(self) -> list[Emitted]:
        """The frontier moved: series silent for the idle timeout close all they hold, and
        idle series miss the intervals the dataset's watermark passed."""
        step = self._step_us
        assert step is not None
        emitted: list[Emitted] = []
        newly = self._clocks.newly_idle()
        for series in newly:
            buckets = self._open.get(series)
            if buckets:
                emitted += self._close_series(series, max(buckets) + step)
        horizon = self._clocks.dataset_horizon()
        if horizon is None:
            return emitted
        missed = self._missed_until_us
        if missed is None or horizon > missed:  # at most once per interval: every idle series
            self._missed_until_us = horizon
            self._open_offsets.release(self.watermark_us)  # bounded without commits (a replay)
            signals = self._tracker.catch_up(horizon, self._clocks.idle)
        else:
            signals = self._tracker.catch_up(horizon, newly)
        for signal in signals:  # a missed interval is closed: data for it later is late
            self._clocks.close(signal.series, (signal.end - _EPOCH) // _MICROSECOND)
        return emitted + signals

    def _counted(self, emitted: list[Emitted]) -> list[Emitted]:
        """`emitted` in (start, series) order, counted."""
        if len(emitted) > 1:
            emitted.sort(key=lambda item: (item.start, item.series))
        closed = sum(isinstance(item, ClosedInterval) for item in emitted)
        self.counts.closed += closed
        self.counts.no_data += len(emitted) - closed
        return emitted

    def _late(self, series: str, event_time: datetime, start_us: int, closed_us: int) -> AddResult:
        self.counts.late += 1
        return AddResult(
            rejected=Rejection(
                LATE,
                f"event time {event_time.isoformat()} falls in the interval starting "
                f"{from_micros(start_us).isoformat()}, closed for series {series!r}, whose "
                f"watermark is {from_micros(closed_us).isoformat()} (its newest event time "
                f"minus allowed_lateness {self.dataset.allowed_lateness or self.dataset.interval}"
                ", or a missed interval after it went idle)",
            )
        )


def _bucket_state(series: str, start_us: int, bucket: IntervalBucket) -> BucketState:
    event_count, measures, offsets = bucket.export()
    return BucketState(
        series=series,
        start_us=start_us,
        event_count=event_count,
        measures=measures,
        offsets=offsets,
    )
