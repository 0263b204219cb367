"""Properties over random streams: nothing lost, sums add up, no-data never contradicts data."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from dexwatch.streams.aggregation import (
    ClosedInterval,
    IntervalAggregator,
    NoDataInterval,
    SourcePosition,
)
from tests.streams.aggregation.aggregation_inputs import Feeder, at, dataset

EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(min_value=0, max_value=20 * 60),  # event time, seconds after T0
        st.integers(min_value=-1000, max_value=1000),  # volume, whole so sums are exact
        st.integers(min_value=0, max_value=2),  # partition
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(events=EVENTS, lateness=st.sampled_from(["0s", "30s", "2m"]), limit=st.integers(1, 4))
def test_every_event_is_in_exactly_one_closed_interval_or_rejected_with_a_reason(
    events: list[tuple[str, int, int, int]], lateness: str, limit: int
) -> None:
    aggregator = IntervalAggregator(
        dataset(allowed_lateness=lateness, max_series=limit, no_data=True)
    )
    feeder = Feeder(aggregator)
    expected: Counter[tuple[str, int]] = Counter()
    counted: Counter[tuple[str, int]] = Counter()
    emitted: list[ClosedInterval | NoDataInterval] = []
    rejected = 0
    for series, second, volume, partition in events:
        result = feeder.add(series, second, partition=partition, volume=float(volume), trades=1.0)
        emitted += result.emitted
        if result.rejected is None:
            expected[(f"pool={series}", second // 60)] += volume
            counted[(f"pool={series}", second // 60)] += 1
        else:
            assert result.rejected.reason in ("late", "series_limit")
            rejected += 1
    emitted += aggregator.flush()

    closed = [item for item in emitted if isinstance(item, ClosedInterval)]
    keys = [(item.series, int((item.start - at(0)).total_seconds()) // 60) for item in closed]
    assert len(keys) == len(set(keys))  # one interval per series and start
    assert {key: int(item.measures["volume"]) for key, item in zip(keys, closed, strict=True)} == {
        key: expected[key] for key in counted
    }
    assert {key: item.event_count for key, item in zip(keys, closed, strict=True)} == dict(counted)
    assert sum(item.event_count for item in closed) + rejected == len(events)
    counts = aggregator.counts
    assert (counts.accepted, counts.late + counts.series_limit) == (
        len(events) - rejected,
        rejected,
    )
    assert aggregator.series_count <= limit

    missing = [item for item in emitted if isinstance(item, NoDataInterval)]
    for item in missing:
        key = (item.series, int((item.start - at(0)).total_seconds()) // 60)
        assert key not in counted
        assert 1 <= item.missing <= 3
    for series in {item.series for item in emitted}:  # each series' time only moves on
        starts = [item.start for item in emitted if item.series == series]
        assert starts == sorted(starts)


@settings(max_examples=40, deadline=None)
@given(events=EVENTS, split=st.integers(min_value=0, max_value=60))
def test_exporting_and_importing_state_anywhere_changes_nothing(
    events: list[tuple[str, int, int, int]], split: int
) -> None:
    config = dataset(allowed_lateness="1m", max_series=3, no_data=True)

    def run(aggregator: IntervalAggregator, part: list[tuple[str, int, int, int]]) -> list[object]:
        outputs: list[object] = []
        for series, second, volume, partition in part:
            result = aggregator.add(
                f"pool={series}",
                {"pool": series},
                at(second),
                {"volume": float(volume)},
                SourcePosition("metrics", partition, second),
            )
            outputs += [*result.emitted, result.rejected]
        return outputs

    straight = IntervalAggregator(config)
    expected = run(straight, events) + straight.flush()
    first = IntervalAggregator(config)
    outputs = run(first, events[:split])
    second = IntervalAggregator.from_state(config, first.export_state())
    assert outputs + run(second, events[split:]) + second.flush() == expected
