"""One open interval of one series: its accumulators, event count and source offsets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from dexwatch.streams.aggregation.accumulators import (
    ZERO_WHEN_EMPTY,
    Accumulator,
    AccumulatorState,
    new_accumulator,
)
from dexwatch.streams.aggregation.interval_outputs import (
    ClosedInterval,
    OffsetRange,
    SourcePosition,
)
from dexwatch.streams.datasets.measure_spec import Aggregation

__all__ = ["IntervalBucket", "MeasureLayout"]

# Measure name -> aggregation, in the dataset's order.
MeasureLayout = Mapping[str, Aggregation]


class IntervalBucket:
    __slots__ = ("accumulators", "event_count", "offsets")

    def __init__(self) -> None:
        self.accumulators: dict[str, Accumulator] = {}
        self.event_count = 0
        # (topic, partition) -> [first, last]
        self.offsets: dict[tuple[str, int], list[int]] = {}

    def add(
        self,
        layout: MeasureLayout,
        values: Mapping[str, float | str],
        time_us: int,
        position: SourcePosition,
    ) -> None:
        """Fold one event in; values of names outside `layout` are ignored."""
        for name, value in values.items():
            accumulator = self.accumulators.get(name)
            if accumulator is None:
                aggregation = layout.get(name)
                if aggregation is None:
                    continue
                accumulator = self.accumulators[name] = new_accumulator(aggregation)
            accumulator.add(value, time_us)
        self.event_count += 1
        where = (position.topic, position.partition)
        span = self.offsets.get(where)
        if span is None:
            self.offsets[where] = [position.offset, position.offset]
        else:
            span[0] = min(span[0], position.offset)
            span[1] = max(span[1], position.offset)

    def close(
        self,
        layout: MeasureLayout,
        series: str,
        dimensions: dict[str, str],
        start: datetime,
        end: datetime,
    ) -> ClosedInterval:
        measures: dict[str, float] = {}
        for name, aggregation in layout.items():
            accumulator = self.accumulators.get(name)
            if accumulator is not None:
                measures[name] = accumulator.result()
            elif aggregation in ZERO_WHEN_EMPTY:
                measures[name] = 0.0
        return ClosedInterval(
            series=series,
            dimensions=dimensions,
            start=start,
            end=end,
            measures=measures,
            event_count=self.event_count,
            offsets=tuple(
                OffsetRange(topic, partition, first, last)
                for (topic, partition), (first, last) in sorted(self.offsets.items())
            ),
        )

    def export(self) -> tuple[int, dict[str, AccumulatorState], list[tuple[str, int, int, int]]]:
        """(event count, accumulator states, offsets as (topic, partition, first, last))."""
        return (
            self.event_count,
            {name: accumulator.export() for name, accumulator in self.accumulators.items()},
            [
                (topic, partition, first, last)
                for (topic, partition), (first, last) in self.offsets.items()
            ],
        )

    @classmethod
    def restore(
        cls,
        layout: MeasureLayout,
        event_count: int,
        states: Mapping[str, AccumulatorState],
        offsets: list[tuple[str, int, int, int]],
    ) -> IntervalBucket:
        bucket = cls()
        bucket.event_count = event_count
        bucket.accumulators = {
            name: new_accumulator(layout[name], state) for name, state in states.items()
        }
        bucket.offsets = {
            (topic, partition): [first, last] for topic, partition, first, last in offsets
        }
        return bucket
