"""Event time per series: backfills, replays and catch-ups are on time; idleness; the dataset's
low watermark and the commit holds it lets go; bounded memory."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import ValidationError

from dexwatch.streams.aggregation import ClosedInterval, Emitted, IntervalAggregator, NoDataInterval
from tests.streams.aggregation.aggregation_inputs import Feeder, at, dataset

HOUR = 3600


def hourly(**changes: object) -> IntervalAggregator:
    return IntervalAggregator(dataset(**({"interval": "1h", "allowed_lateness": "1h"} | changes)))


def closed_hours(emitted: list[Emitted]) -> dict[str, list[int]]:
    """Per series, the hours (since T0) of its closed intervals, in the order they came."""
    hours: dict[str, list[int]] = {}
    for item in emitted:
        if isinstance(item, ClosedInterval):
            hours.setdefault(item.series, []).append(int((item.start - at(0)).total_seconds()))
    return {series: [second // HOUR for second in seconds] for series, seconds in hours.items()}


def test_a_connector_backfill_pool_after_pool_newest_first_is_all_on_time() -> None:
    aggregator = hourly()
    feeder = Feeder(aggregator)
    emitted: list[Emitted] = []
    for rank, pool in enumerate(("a", "b", "c", "d")):
        last = 300 - rank  # each pool's newest hour, the newest pool first
        for hour in range(last - 199, last + 1):
            result = feeder.add(pool, hour * HOUR + 600, volume=1.0)
            assert result.rejected is None, (pool, hour, result.rejected)
            emitted += result.emitted
    emitted += aggregator.flush()
    assert aggregator.counts.late == 0
    for rank, pool in enumerate(("a", "b", "c", "d")):
        last = 300 - rank
        assert closed_hours(emitted)[f"pool={pool}"] == list(range(last - 199, last + 1))


def test_a_replay_in_time_order_across_series_is_all_on_time() -> None:
    aggregator = hourly()
    feeder = Feeder(aggregator)
    emitted: list[Emitted] = []
    for hour in range(24 * 30):
        for pool in ("a", "b"):
            result = feeder.add(pool, hour * HOUR + 60, volume=1.0)
            assert result.rejected is None
            emitted += result.emitted
    emitted += aggregator.flush()
    assert closed_hours(emitted) == {f"pool={p}": list(range(24 * 30)) for p in ("a", "b")}


def outage_then_first_pool_catches_up(feeder: Feeder) -> list[Emitted]:
    """Pools "a" and "b" live for 5 hours; after an outage the producer catches up one pool
    after the other, and "a" (first) moves the dataset 10 hours on while "b" is silent."""
    emitted: list[Emitted] = []
    for hour in range(5):
        for pool in ("a", "b"):
            emitted += feeder.add(pool, hour * HOUR, volume=1.0).emitted
    for hour in range(5, 15):
        emitted += feeder.add("a", hour * HOUR, volume=1.0).emitted
    return emitted


def test_a_producer_catching_up_after_an_outage_is_scored_in_order() -> None:
    aggregator = hourly()  # idle after 1h lateness plus 2 intervals
    feeder = Feeder(aggregator)
    # "b" goes idle while "a" catches up, and closes what it held...
    emitted = outage_then_first_pool_catches_up(feeder)
    assert closed_hours(emitted)["pool=b"] == [0, 1, 2, 3, 4]
    assert aggregator.idle_series == 1
    # ...and its own hours after those are still on time.
    for hour in range(5, 15):
        result = feeder.add("b", hour * HOUR, volume=1.0)
        assert result.rejected is None
        emitted += result.emitted
    assert aggregator.idle_series == 0
    emitted += aggregator.flush()
    assert aggregator.counts.late == 0
    assert closed_hours(emitted) == {f"pool={p}": list(range(15)) for p in ("a", "b")}


def test_with_no_data_signals_the_hours_signalled_missing_are_late_the_rest_on_time() -> None:
    feeder = Feeder(hourly(no_data=True))
    emitted = outage_then_first_pool_catches_up(feeder)
    missed = [item for item in emitted if isinstance(item, NoDataInterval)]
    assert [(item.series, item.start) for item in missed] == [
        ("pool=b", at(hour * HOUR)) for hour in (5, 6, 7)
    ]
    refused = Counter(
        result.rejected.reason if result.rejected else "taken"
        for result in [feeder.add("b", hour * HOUR, volume=1.0) for hour in range(5, 15)]
    )
    assert refused == {"late": 3, "taken": 7}  # hours 5-7 were closed as missing


def test_the_dataset_watermark_is_the_lowest_of_the_series_that_are_not_idle() -> None:
    aggregator = hourly()
    feeder = Feeder(aggregator)
    feeder.add("a", 10 * HOUR, volume=1.0)
    assert aggregator.watermark == at(9 * HOUR)
    feeder.add("b", 2 * HOUR, volume=1.0)  # a backfilling series holds it back
    assert aggregator.watermark == at(1 * HOUR)
    feeder.add("a", 14 * HOUR, volume=1.0)  # "b" is idle now: it no longer does
    assert aggregator.idle_series == 1
    assert aggregator.watermark == at(13 * HOUR)


def test_a_closed_interval_holds_its_offsets_until_the_dataset_watermark_passes_it() -> None:
    aggregator = hourly()
    feeder = Feeder(aggregator)
    feeder.add("a", 0, partition=0, volume=1.0)  # offset 0 of partition 0
    feeder.add("b", 60, partition=0, volume=1.0)  # offset 1
    feeder.add("a", 2 * HOUR + 1, partition=1, volume=1.0)  # "a" closes its hour 0...
    assert aggregator.open_intervals == 2
    # ...but "b" (not idle) is at hour 0 still: a re-read would rebuild a's hour 0 from
    # offset 0, so the commit may not pass it.
    assert aggregator.first_open_offsets() == {("metrics", 0): 0, ("metrics", 1): 0}
    feeder.add("b", 2 * HOUR + 2, partition=1, volume=1.0)  # both past hour 0
    assert aggregator.watermark == at(HOUR)
    assert aggregator.first_open_offsets() == {("metrics", 1): 0}


def test_memory_stays_bounded_per_series() -> None:
    aggregator = hourly()
    feeder = Feeder(aggregator)
    for hour in range(2000):
        for pool in ("a", "b", "c"):
            # out of order within the lateness: each series holds at most 2 open hours
            feeder.add(pool, hour * HOUR + (1800 if pool == "b" else 0), volume=1.0)
        assert aggregator.open_intervals <= 3 * 2
    clocks = aggregator._clocks  # the lazy heap drops what it no longer needs
    clocks.low_watermark()
    assert len(clocks._low) <= 3 * 3
    assert len(aggregator._open_offsets._unvouched) <= 2


def test_idle_timeout_is_a_typed_dataset_setting_checked_at_start() -> None:
    assert dataset(interval="1h", allowed_lateness="1h").idle_timeout_seconds == 3 * HOUR
    # lateness by default: one interval
    assert dataset(interval="5m", allowed_lateness=None).idle_timeout_seconds == 15 * 60
    assert dataset(interval="1h", idle_timeout="1d").idle_timeout == "1d"
    for value, message in [
        ("30m", "shorter than allowed_lateness plus one interval (2m)"),
        ("31d", "more than 30d"),
        ("soon", "soon"),
    ]:
        with pytest.raises(ValidationError, match="idle_timeout") as raised:
            dataset(allowed_lateness="1m", idle_timeout=value if value != "30m" else "90s")
        assert message in str(raised.value)
    with pytest.raises(ValidationError, match="only datasets with an interval"):
        dataset(interval="none", allowed_lateness=None, idle_timeout="1h")


def test_a_series_whose_clock_stands_still_goes_idle_and_then_is_late() -> None:
    aggregator = hourly()
    feeder = Feeder(aggregator)
    emitted: list[Emitted] = []
    for hour in range(6):
        emitted += feeder.add("live", hour * HOUR, volume=1.0).emitted
        emitted += feeder.add("frozen", 60, volume=1.0).emitted  # the same time, again
    assert closed_hours(emitted)["pool=frozen"] == [0]  # closed once the dataset moved 3h on
    rejected = feeder.add("frozen", 60, volume=1.0).rejected
    assert rejected is not None
    assert rejected.reason == "late"
