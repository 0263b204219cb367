"""Missing intervals of a series that had data become no-data signals, a bounded number."""

from __future__ import annotations

from dexwatch.streams.aggregation import ClosedInterval, IntervalAggregator, NoDataInterval
from tests.streams.aggregation.aggregation_inputs import Feeder, at, dataset


def kinds(items: list[ClosedInterval | NoDataInterval]) -> list[tuple[str, str, int]]:
    return [
        (type(item).__name__[:6], item.series, int((item.start - at(0)).total_seconds() // 60))
        for item in items
    ]


def test_a_silent_series_misses_intervals_once_idle_one_signal_each_in_order() -> None:
    aggregator = IntervalAggregator(dataset(no_data=True))  # idle after 0s + 2 intervals
    feeder = Feeder(aggregator)
    feeder.add("quiet", 10, volume=1.0)
    feeder.add("busy", 20, volume=1.0)
    emitted = []
    for minute in range(1, 4):
        emitted += feeder.add("busy", minute * 60 + 5, volume=1.0).emitted
    # At 12:03:05 the dataset is 2m55s past where it stood when "quiet" was last heard
    # from: idle, it closes its 12:00 and misses 12:01 and 12:02, which busy's own time
    # (12:03) has passed.
    assert kinds(emitted) == [
        ("Closed", "pool=busy", 0),
        ("Closed", "pool=busy", 1),
        ("Closed", "pool=quiet", 0),
        ("NoData", "pool=quiet", 1),
        ("Closed", "pool=busy", 2),
        ("NoData", "pool=quiet", 2),
    ]
    signal = emitted[3]
    assert isinstance(signal, NoDataInterval)
    assert (signal.dimensions, signal.end, signal.missing) == ({"pool": "quiet"}, at(120), 1)
    assert aggregator.counts.no_data == 2
    # A missed interval is closed for the series: data for it now is late.
    rejected = feeder.add("quiet", 90, volume=1.0).rejected
    assert rejected is not None
    assert rejected.reason == "late"


def test_signals_stop_after_the_limit_and_start_again_after_data_returns() -> None:
    aggregator = IntervalAggregator(dataset(no_data=True, no_data_max_consecutive=2))
    feeder = Feeder(aggregator)
    feeder.add("quiet", 10, volume=1.0)
    emitted = feeder.add("busy", 10 * 60, volume=1.0).emitted  # a 9-minute jump
    assert kinds(emitted) == [
        ("Closed", "pool=quiet", 0),
        ("NoData", "pool=quiet", 1),
        ("NoData", "pool=quiet", 2),
    ]
    assert feeder.add("busy", 20 * 60, volume=1.0).emitted[-1].series == "pool=busy"
    feeder.add("quiet", 20 * 60 + 1, volume=1.0)
    emitted = feeder.add("busy", 23 * 60, volume=1.0).emitted
    assert [item for item in kinds(emitted) if item[1] == "pool=quiet"] == [
        ("Closed", "pool=quiet", 20),
        ("NoData", "pool=quiet", 21),
        ("NoData", "pool=quiet", 22),
    ]


def test_a_gap_between_two_intervals_with_data_closing_together_is_signalled() -> None:
    feeder = Feeder(IntervalAggregator(dataset(no_data=True, allowed_lateness="5m")))
    feeder.add("a", 10, volume=1.0)
    feeder.add("a", 3 * 60, volume=1.0)
    emitted = feeder.add("a", 9 * 60, volume=1.0).emitted
    assert kinds(emitted) == [
        ("Closed", "pool=a", 0),
        ("NoData", "pool=a", 1),
        ("NoData", "pool=a", 2),
        ("Closed", "pool=a", 3),
    ]


def test_without_no_data_gaps_are_quiet() -> None:
    feeder = Feeder(IntervalAggregator(dataset()))
    feeder.add("quiet", 10, volume=1.0)
    assert kinds(feeder.add("busy", 10 * 60, volume=1.0).emitted) == [("Closed", "pool=quiet", 0)]
