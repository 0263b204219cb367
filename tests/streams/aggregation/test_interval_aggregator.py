"""Alignment, closing by each series' own watermark, lateness, the cardinality guard, flush
and pass-through."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from dexwatch.streams.aggregation import (
    ClosedInterval,
    IntervalAggregator,
    OffsetRange,
    SourcePosition,
)
from dexwatch.streams.aggregation.interval_bucket import IntervalBucket
from tests.streams.aggregation.aggregation_inputs import Feeder, at, dataset


def test_an_interval_aggregates_every_measure_and_closes_when_the_watermark_passes() -> None:
    feeder = Feeder(IntervalAggregator(dataset()))
    for seconds, volume, price, tvl in [
        (5, 10.0, 2.0, 100.0),
        (50, 5.0, 4.0, 90.0),
        (20, 1.0, 6.0, 80.0),
    ]:
        added = feeder.add("a", seconds, volume=volume, tvl=tvl, price=price, low=price, high=price)
        assert added.emitted == []
    feeder.add("b", 60, volume=1.0)  # another series' time closes nothing of "a"
    (interval,) = feeder.add("a", 60, volume=1.0).emitted  # 12:01 closes 12:00-12:01
    assert interval == ClosedInterval(
        series="pool=a",
        dimensions={"pool": "a"},
        start=at(0),
        end=at(60),
        measures={
            "volume": 16.0,
            "price": 4.0,
            "low": 2.0,
            "high": 6.0,
            "tvl": 90.0,  # the latest event time, not the last arrival
            "trades": 0.0,  # no input fed it: a count of nothing is 0
        },
        event_count=3,
        offsets=(OffsetRange("metrics", 0, 0, 2),),
    )
    assert aggregator_watermarks(feeder) == {"pool=a": at(60), "pool=b": at(60)}


def aggregator_watermarks(feeder: Feeder) -> dict[str, datetime | None]:
    return {
        series: feeder.aggregator.series_watermark(series)
        for series in ("pool=a", "pool=b")
        if feeder.aggregator.series_watermark(series) is not None
    }


def test_intervals_align_to_the_epoch_not_to_the_first_event() -> None:
    feeder = Feeder(IntervalAggregator(dataset(interval="5m")))
    feeder.add("a", 7 * 60 + 30, volume=1.0)
    (interval,) = feeder.add("a", 10 * 60, volume=1.0).emitted
    assert (interval.start, interval.end) == (at(5 * 60), at(10 * 60))


def test_allowed_lateness_keeps_an_interval_open_then_late_events_are_rejected() -> None:
    aggregator = IntervalAggregator(dataset(allowed_lateness="30s"))
    feeder = Feeder(aggregator)
    feeder.add("a", 10, volume=1.0)
    assert feeder.add("a", 75, volume=1.0).emitted == []  # watermark 12:00:45: still open
    assert feeder.add("a", 40, volume=2.0).rejected is None  # late but allowed
    (interval,) = feeder.add("a", 90, volume=1.0).emitted  # watermark 12:01:00
    assert isinstance(interval, ClosedInterval)
    assert interval.measures["volume"] == 3.0
    assert aggregator.watermark == at(60)
    result = feeder.add("a", 59, volume=100.0)
    assert result.rejected is not None
    assert result.rejected.reason == "late"
    assert "12:00:00" in result.rejected.detail
    assert aggregator.counts.late == 1
    assert aggregator.counts.accepted == 4


def test_a_series_history_is_never_late_because_another_series_is_ahead() -> None:
    aggregator = IntervalAggregator(dataset())
    feeder = Feeder(aggregator)
    feeder.add("a", 10 * 60, volume=1.0)
    assert feeder.add("b", 10, volume=1.0).rejected is None  # ten minutes behind "a"
    (closed,) = feeder.add("b", 75, volume=1.0).emitted  # b's own time closes b's 12:00
    assert (closed.series, closed.start) == ("pool=b", at(0))
    result = feeder.add("b", 30, volume=1.0)  # older than b's own watermark: late
    assert result.rejected is not None
    assert result.rejected.reason == "late"
    assert "closed for series 'pool=b', whose watermark is 2026-01-05T12:01:00" in (
        result.rejected.detail
    )
    assert aggregator.counts.late == 1
    # The dataset's watermark is the lowest of the series that are not idle.
    assert aggregator.watermark == at(60)


def test_a_series_closes_its_intervals_in_time_order_with_offsets_per_partition() -> None:
    feeder = Feeder(IntervalAggregator(dataset(allowed_lateness="1m")))
    feeder.add("b", 1, partition=1, volume=1.0)
    feeder.add("a", 2, partition=0, volume=1.0)
    feeder.add("a", 61, partition=2, volume=1.0)
    feeder.add("a", 62, partition=0, volume=1.0)
    # a's own time closes its 12:00 and 12:01; b, silent for the idle timeout (1m lateness
    # plus 2 intervals) while the dataset moved on, closes what it holds.
    emitted = feeder.add("a", 185, partition=1, volume=1.0).emitted
    assert [(item.series, item.start) for item in emitted] == [
        ("pool=a", at(0)),
        ("pool=b", at(0)),
        ("pool=a", at(60)),
    ]
    last = emitted[2]
    assert isinstance(last, ClosedInterval)
    assert last.offsets == (OffsetRange("metrics", 0, 1, 1), OffsetRange("metrics", 2, 0, 0))


def test_the_cardinality_guard_refuses_new_series_counts_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    aggregator = IntervalAggregator(dataset(max_series=2))
    feeder = Feeder(aggregator)
    feeder.add("a", 1, volume=1.0)
    feeder.add("b", 2, volume=1.0)
    with caplog.at_level(logging.WARNING):
        refused = [feeder.add("c", 3, volume=1.0).rejected, feeder.add("d", 4).rejected]
    assert [item.reason if item else None for item in refused] == ["series_limit"] * 2
    assert feeder.add("a", 5, volume=1.0).rejected is None  # known series still welcome
    assert aggregator.counts.series_limit == 2
    assert aggregator.series_count == 2
    assert len([r for r in caplog.records if "cardinality guard" in r.message]) == 1


def test_flush_closes_everything_and_later_events_for_it_are_late() -> None:
    aggregator = IntervalAggregator(dataset(allowed_lateness="5m"))
    feeder = Feeder(aggregator)
    feeder.add("a", 10, volume=1.0)
    feeder.add("b", 70, volume=2.0)
    assert aggregator.open_intervals == 2
    flushed = aggregator.flush()
    assert [(item.series, item.start) for item in flushed] == [
        ("pool=a", at(0)),
        ("pool=b", at(60)),
    ]
    assert aggregator.open_intervals == 0
    assert aggregator.flush() == []
    rejected = feeder.add("a", 100, volume=1.0).rejected
    assert rejected is not None
    assert rejected.reason == "late"


def test_advance_closes_what_a_series_holds_once_it_is_idle() -> None:
    aggregator = IntervalAggregator(dataset())  # idle after 0s lateness plus 2 minutes
    Feeder(aggregator).add("a", 10, volume=1.0)
    assert aggregator.advance(at(30)) == []
    assert aggregator.advance(at(125)) == []  # its own time would have closed it: not idle yet
    assert [item.series for item in aggregator.advance(at(130))] == ["pool=a"]
    assert aggregator.idle_series == 1
    assert aggregator.advance(at(0)) == []  # time does not go back


def test_interval_none_passes_each_event_through_as_a_one_event_interval() -> None:
    aggregator = IntervalAggregator(
        dataset(dimensions="*", measures="*", interval="none", allowed_lateness=None, max_series=1)
    )
    feeder = Feeder(aggregator)
    (interval,) = feeder.add("a", 10, tvl=5.0, volume=2.0).emitted
    assert isinstance(interval, ClosedInterval)
    assert (interval.start, interval.end, interval.event_count) == (at(10), at(10), 1)
    assert interval.measures == {"tvl": 5.0, "volume": 2.0}
    assert interval.offsets == (OffsetRange("metrics", 0, 0, 0),)
    assert feeder.add("a", 0, tvl=1.0).emitted[0].start == at(0)  # never late
    rejected = feeder.add("b", 20, tvl=1.0).rejected
    assert rejected is not None
    assert rejected.reason == "series_limit"
    assert aggregator.flush() == []


@pytest.mark.parametrize(
    "values",
    [
        {"volume": 3.0, "price": 2.5, "low": 1.0, "high": 9.0, "tvl": 7.0, "trades": 1.0},
        {"price": 2.5},
        {"volume": 4.0, "unknown": 1.0},
    ],
)
def test_interval_none_closes_an_event_as_a_one_event_bucket_would(
    values: dict[str, float],
) -> None:
    """The every-event path skips the accumulators: it must agree with them exactly."""
    every_event = IntervalAggregator(dataset(interval="none", allowed_lateness=None))
    position = SourcePosition("metrics", 0, 0)
    (single,) = every_event.add("pool=a", {"pool": "a"}, at(10), values, position).emitted
    measures = every_event.dataset.measures
    assert not isinstance(measures, str)
    layout = {spec.name: spec.aggregation for spec in measures}
    bucket = IntervalBucket()
    bucket.add(layout, values, 0, SourcePosition("metrics", 0, 0))
    assert single == bucket.close(layout, "pool=a", {"pool": "a"}, at(10), at(10))
