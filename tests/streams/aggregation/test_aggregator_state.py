"""Open state exported as plain data and imported again: the aggregator goes on unchanged."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from schemas.errors import StateFormatError
from streams.aggregation import IntervalAggregator
from tests.streams.aggregation.aggregation_inputs import MEASURES, Feeder, dataset


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
    assert state["format_version"] == 1
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
    with pytest.raises(StateFormatError, match="format_version"):
        IntervalAggregator.from_state(original.dataset, state | {"format_version": 9})
    with pytest.raises(StateFormatError, match="unknown series"):
        IntervalAggregator.from_state(original.dataset, state | {"series": {}})
