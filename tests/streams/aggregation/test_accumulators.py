"""Each aggregation over a handful of inputs, and its state round trip."""

from __future__ import annotations

import pytest

from dexwatch.streams.aggregation.accumulators import new_accumulator
from dexwatch.streams.datasets.measure_spec import Aggregation

INPUTS: list[tuple[float | str, int]] = [(4.0, 30), (1.0, 10), (7.0, 20), (2.0, 30)]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("sum", 14.0),
        ("avg", 3.5),
        ("min", 1.0),
        ("max", 7.0),
        ("last", 2.0),  # latest event time wins; on a tie, the later arrival
        ("count", 4.0),
    ],
)
def test_each_aggregation_and_its_state_round_trip(
    aggregation: Aggregation, expected: float
) -> None:
    accumulator = new_accumulator(aggregation)
    for value, time_us in INPUTS[:2]:
        accumulator.add(value, time_us)
    restored = new_accumulator(aggregation, accumulator.export())
    for value, time_us in INPUTS[2:]:
        restored.add(value, time_us)
    assert restored.result() == expected


def test_count_distinct_counts_texts_once() -> None:
    accumulator = new_accumulator("count_distinct")
    for sender in ("0xa", "0xb", "0xa", "1.5"):
        accumulator.add(sender, 0)
    assert accumulator.export() == ["0xa", "0xb", "1.5"]
    assert new_accumulator("count_distinct", accumulator.export()).result() == 3.0
