"""Per-series interval aggregation in event time, for one dataset: pure, no Kafka, no clock.

Intervals are aligned to the Unix epoch (UTC). The watermark is the largest event time seen
(by this aggregator, over all partitions it is fed) minus the dataset's allowed lateness; an
interval closes when the watermark reaches its end. An event for a closed interval is late:
rejected with reason `late` and counted, never dropped unseen. Only open intervals are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.errors import StateFormatError
from streams.aggregation.accumulators import ZERO_WHEN_EMPTY
from streams.aggregation.aggregator_state import (
    AggregatorState,
    BucketState,
    SeriesState,
    parse_state,
)
from streams.aggregation.interval_bucket import IntervalBucket
from streams.aggregation.interval_outputs import (
    AddResult,
    ClosedInterval,
    Emitted,
    OffsetRange,
    SourcePosition,
)
from streams.aggregation.open_offsets import OpenOffsets
from streams.aggregation.series_tracker import SeriesRecord, SeriesTracker, from_micros
from streams.datasets.dataset_config import DatasetConfig
from streams.datasets.measure_spec import Aggregation
from streams.datasets.rejection import LATE, SERIES_LIMIT, Rejection
from streams.records import Partition

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
        self._lateness_us = dataset.lateness_seconds * 1_000_000
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
        self._open: dict[int, dict[str, IntervalBucket]] = {}
        self._open_offsets = OpenOffsets()
        self._max_time_us: int | None = None
        self._closed_until_us: int | None = None
        self.counts = AggregatorCounts()

    @property
    def series_count(self) -> int:
        """Series admitted so far (what the cardinality guard counts)."""
        return len(self._tracker.records)

    @property
    def open_intervals(self) -> int:
        return sum(len(buckets) for buckets in self._open.values())

    @property
    def watermark(self) -> datetime | None:
        """Every interval ending at or before this time is closed (None before any event)."""
        return None if self._closed_until_us is None else from_micros(self._closed_until_us)

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
        start = time_us if step is None else time_us - time_us % step
        closed_until = self._closed_until_us
        if step is not None and closed_until is not None and start + step <= closed_until:
            return self._late(event_time, start, closed_until)
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
        buckets = self._open.setdefault(start, {})
        bucket = buckets.get(series)
        if bucket is None:
            bucket = buckets[series] = IntervalBucket()
        assert self._layout is not None  # '*' measures are only valid with interval 'none'
        bucket.add(self._layout, values, time_us, position)
        self._open_offsets.add(start, (position.topic, position.partition), position.offset)
        if self._max_time_us is None or time_us > self._max_time_us:
            self._max_time_us = time_us
            return AddResult(emitted=self._close_until(self._horizon(time_us, step)))
        return AddResult()

    @property
    def watermark_us(self) -> int | None:
        """`watermark` in microseconds since the epoch."""
        return self._closed_until_us

    def first_open_offsets(self) -> dict[Partition, int]:
        """Per partition, the lowest offset of a record held in an open interval."""
        return self._open_offsets.firsts()

    def is_closed(self, event_time: datetime, watermark_us: int | None) -> bool:
        """Whether the interval of `event_time` had closed by `watermark_us` (interval `none`:
        every event is its own closed interval)."""
        if self._step_us is None:
            return True
        if watermark_us is None:
            return False
        time_us = (event_time - _EPOCH) // _MICROSECOND
        return time_us - time_us % self._step_us + self._step_us <= watermark_us

    def raise_watermark(self, watermark_us: int) -> None:
        """Treat every interval ending by `watermark_us` as closed (already scored elsewhere:
        a committed mark says so); a lower watermark than the current one changes nothing."""
        if self._closed_until_us is None or watermark_us > self._closed_until_us:
            self._closed_until_us = watermark_us

    def drop_partitions(self, partitions: set[Partition]) -> int:
        """Forget the open intervals holding records of `partitions` (revoked: they are read
        again from the committed offset, by this worker or another); the buckets dropped."""
        dropped = 0
        for start in list(self._open):
            buckets = self._open[start]
            for series in [s for s, b in buckets.items() if partitions.intersection(b.offsets)]:
                del buckets[series]
                dropped += 1
            if not buckets:
                del self._open[start]
        self._open_offsets.rebuild(
            (start, where, span[0])
            for start, buckets in self._open.items()
            for bucket in buckets.values()
            for where, span in bucket.offsets.items()
        )
        return dropped

    def reset_watermark(self) -> None:
        """Start event time again (every partition was revoked): re-read records rebuild their
        intervals instead of being found late, and committed marks raise it again."""
        self._closed_until_us = self._max_time_us = None

    def advance(self, event_time: datetime) -> list[Emitted]:
        """Move event time on without an event (e.g. a quiet stream's clock): what closed."""
        time_us = (event_time - _EPOCH) // _MICROSECOND
        if self._step_us is None or (
            self._max_time_us is not None and time_us <= self._max_time_us
        ):
            return []
        self._max_time_us = time_us
        return self._close_until(self._horizon(time_us, self._step_us))

    def flush(self) -> list[Emitted]:
        """Close every open interval, as at the end of a stream: later events for them are late."""
        if self._step_us is None or not self._open:
            return []
        return self._close_until(max(self._open) + self._step_us)

    def export_state(self) -> dict[str, Any]:
        """The open state as JSON-ready plain data (see `aggregator_state`)."""
        state = AggregatorState(
            dataset=self.dataset.name,
            interval=self.dataset.interval,
            measures=list((self._layout or {}).items()),
            max_time_us=self._max_time_us,
            closed_until_us=self._closed_until_us,
            series={
                series: SeriesState(
                    dimensions=record.dimensions,
                    last_data_us=record.last_data_us,
                    missing=record.missing,
                )
                for series, record in self._tracker.records.items()
            },
            buckets=[
                _bucket_state(series, start, bucket)
                for start, buckets in sorted(self._open.items())
                for series, bucket in sorted(buckets.items())
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
        aggregator._max_time_us = state.max_time_us
        aggregator._closed_until_us = state.closed_until_us
        aggregator._tracker.restore(
            {
                series: SeriesRecord(dict(item.dimensions), item.last_data_us, item.missing)
                for series, item in state.series.items()
            }
        )
        for item in state.buckets:
            if item.series not in state.series:
                raise StateFormatError(f"bucket of unknown series {item.series!r}")
            aggregator._open.setdefault(item.start_us, {})[item.series] = IntervalBucket.restore(
                aggregator._layout or {}, item.event_count, item.measures, item.offsets
            )
            for topic, partition, first, _last in item.offsets:
                aggregator._open_offsets.add(item.start_us, (topic, partition), first)
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

    def _horizon(self, time_us: int, step: int) -> int:
        watermark = time_us - self._lateness_us
        return watermark - watermark % step

    def _close_until(self, horizon_us: int) -> list[Emitted]:
        """Close every interval ending by `horizon_us`; returns them in (start, series) order."""
        if self._closed_until_us is not None and horizon_us <= self._closed_until_us:
            return []
        step = self._step_us
        assert step is not None
        assert self._layout is not None
        emitted: list[Emitted] = []
        for start in sorted(start for start in self._open if start + step <= horizon_us):
            self._open_offsets.close(start)
            for series, bucket in sorted(self._open.pop(start).items()):
                emitted += self._tracker.had_data(series, start)
                dimensions = self._tracker.records[series].dimensions
                emitted.append(
                    bucket.close(
                        self._layout,
                        series,
                        dimensions,
                        from_micros(start),
                        from_micros(start + step),
                    )
                )
        emitted += self._tracker.catch_up(horizon_us)
        self._closed_until_us = horizon_us
        emitted.sort(key=lambda item: (item.start, item.series))
        closed = sum(isinstance(item, ClosedInterval) for item in emitted)
        self.counts.closed += closed
        self.counts.no_data += len(emitted) - closed
        return emitted

    def _late(self, event_time: datetime, start_us: int, closed_until_us: int) -> AddResult:
        self.counts.late += 1
        return AddResult(
            rejected=Rejection(
                LATE,
                f"event time {event_time.isoformat()} falls in the interval starting "
                f"{from_micros(start_us).isoformat()}, closed when the watermark reached "
                f"{from_micros(closed_until_us).isoformat()}",
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
