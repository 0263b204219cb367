"""Open state exported as plain data and imported again: the aggregator goes on unchanged."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from dexwatch.schemas.errors import StateFormatError
from dexwatch.streams.aggregation import ClosedInterval, IntervalAggregator
from tests.streams.aggregation.aggregation_inputs import MEASURES, Feeder, at, dataset


def busy_aggregator() -> tuple[IntervalAggregator, Feeder]:
    config = dataset(
        no_data=True,
        allowed_lateness="2m",
        measures=[
            *({"field": "amount_usd"} | spec for spec in MEASURES),
            {"name": "senders", "aggregation": "count_distinct", "field": "sender"},
        ],
        source={"topic": "metrics", "format": "dex_transaction"},
    )
    aggregator = IntervalAggregator(config)
    feeder = Feeder(aggregator)
    for second, series in [(5, "a"), (30, "b"), (70, "a"), (100, "a"), (130, "b"), (200, "a")]:
        feeder.add(series, second, volume=1.0, price=second, tvl=2.0, trades=1.0, senders="0x1")
    return aggregator, feeder


def drive(feeder: Feeder) -> list[Any]:
    emitted = []
    for second, series in [(150, "b"), (400, "a"), (800, "b")]:
        result = feeder.add(series, second, volume=3.0, price=1.0, senders="0x2")
        emitted += [*result.emitted, result.rejected]
    return [*emitted, feeder.aggregator.flush()]


def test_state_survives_a_json_round_trip_and_the_restored_aggregator_goes_on_the_same() -> None:
    original, feeder = busy_aggregator()
    state = original.export_state()
    assert state["format_version"] == 2
    assert original.open_intervals > 0
    restored = IntervalAggregator.from_state(original.dataset, orjson.loads(orjson.dumps(state)))
    assert restored.export_state() == state
    twin = Feeder(restored)
    twin.offsets = dict(feeder.offsets)
    assert drive(twin) == drive(feeder)


def test_state_of_another_layout_or_garbage_is_refused() -> None:
    original, _ = busy_aggregator()
    state = original.export_state()
    other = dataset(interval="5m")
    with pytest.raises(StateFormatError, match="dataset test now has interval 5m"):
        IntervalAggregator.from_state(other, state)
    with pytest.raises(StateFormatError, match=r"format_version 9, expected one of \[1, 2\]"):
        IntervalAggregator.from_state(original.dataset, state | {"format_version": 9})
    with pytest.raises(StateFormatError, match="frontier_us"):
        IntervalAggregator.from_state(original.dataset, state | {"frontier_us": "soon"})
    with pytest.raises(StateFormatError, match="unknown series"):
        IntervalAggregator.from_state(original.dataset, state | {"series": {}})


def test_format_1_one_watermark_for_the_dataset_is_read_as_that_watermark_per_series() -> None:
    config = dataset(allowed_lateness="1m")
    layout = [[spec["name"], spec["aggregation"]] for spec in MEASURES]
    minute = 60_000_000
    t0 = int(at(0).timestamp()) * 1_000_000
    version_1 = {
        "format_version": 1,
        "dataset": "test",
        "interval": "1m",
        "measures": layout,
        "max_time_us": t0 + 3 * minute,
        "closed_until_us": t0 + 2 * minute,
        "series": {"pool=a": {"dimensions": {"pool": "a"}, "last_data_us": t0 + minute}},
        "buckets": [
            {
                "series": "pool=a",
                "start_us": t0 + 2 * minute,
                "event_count": 1,
                "measures": {"volume": [4.0]},
                "offsets": [["metrics", 0, 7, 7]],
            }
        ],
    }
    restored = IntervalAggregator.from_state(config, orjson.loads(orjson.dumps(version_1)))
    assert restored.export_state()["format_version"] == 2
    assert restored.series_watermark("pool=a") == at(120)
    assert restored.first_open_offsets() == {("metrics", 0): 7}
    feeder = Feeder(restored)
    late = feeder.add("a", 90, volume=1.0).rejected  # before a's watermark: late, as in v1
    assert late is not None
    assert late.reason == "late"
    assert feeder.add("b", 30, volume=1.0).rejected is None  # a new series has its own time
    (closed,) = feeder.add("a", 250, volume=1.0).emitted
    assert isinstance(closed, ClosedInterval)
    assert (closed.series, closed.start, closed.measures["volume"]) == ("pool=a", at(120), 4.0)
