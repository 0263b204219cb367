"""The bench's pre-produced records: envelopes, or single events with `--envelope 1`."""

from __future__ import annotations

import orjson

from bench.envelopes import partition_for
from bench.pipeline.producing import PARTITIONS, records


def _events() -> list[tuple[bytes, dict[str, object]]]:
    return [(f"pool={i % 5}".encode(), {"step": i}) for i in range(20)]


def test_size_one_sends_each_event_alone_as_an_object_on_its_series_partition() -> None:
    produced = list(records(iter(_events()), 1))
    assert [(key, orjson.loads(value)) for key, _, value in produced] == _events()
    assert all(partition == partition_for(key, PARTITIONS) for key, partition, _ in produced)


def test_a_larger_size_sends_arrays_of_at_most_that_many_events() -> None:
    produced = list(records(iter(_events()), 3))
    arrays = [orjson.loads(value) for _, _, value in produced]
    assert all(isinstance(array, list) and 1 <= len(array) <= 3 for array in arrays)
    assert sorted(event["step"] for array in arrays for event in array) == list(range(20))
