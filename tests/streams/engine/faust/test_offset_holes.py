from __future__ import annotations

from collections.abc import Callable

import pytest

from dexwatch.streams.engine.faust.offset_holes import OffsetHole, OffsetTracker, fill_holes
from dexwatch.streams.intake.records import ConsumedRecord
from dexwatch.streams.priming.topic_reader import PartitionRange, StartPosition, TopicReader
from tests.support.kafka_helpers import ProducedRecord, create_topic, produce_records


def record(partition: int, offset: int, topic: str = "metrics") -> ConsumedRecord:
    return ConsumedRecord(topic, partition, offset, None, f"{partition}@{offset}".encode())


def _offsets(records: list[ConsumedRecord]) -> list[tuple[int, int]]:
    return [(r.partition, r.offset) for r in records]


def test_a_skipped_offset_is_a_hole_and_redeliveries_are_dropped() -> None:
    tracker = OffsetTracker()
    first = tracker.check([record(0, 5), record(0, 6), record(1, 9)])  # first sight
    assert (first.holes, first.redelivered) == ([], 0)
    batch = [record(0, 7), record(0, 9), record(1, 10), record(0, 4), record(0, 10)]
    checked = tracker.check(batch)
    assert checked.holes == [(1, OffsetHole("metrics", 0, 8, 9))]
    assert _offsets(checked.records) == [(0, 7), (0, 9), (1, 10), (0, 10)]
    again = tracker.check([record(0, 3), record(0, 10), record(0, 11)])  # a seek back
    assert (_offsets(again.records), again.holes, again.redelivered) == ([(0, 11)], [], 2)


def test_an_assigned_partition_expects_its_committed_offset() -> None:
    tracker = OffsetTracker()
    tracker.expect(("metrics", 0), 40)
    tracker.expect(("metrics", 1), None)  # nothing committed: any first record is fine
    checked = tracker.check([record(0, 42), record(1, 7)])
    assert checked.holes == [(0, OffsetHole("metrics", 0, 40, 42))]


def test_a_forgotten_partition_starts_afresh() -> None:
    tracker = OffsetTracker()
    tracker.check([record(0, 5)])
    tracker.forget([("metrics", 0)])
    assert tracker.check([record(0, 50)]).holes == []


def test_holes_are_filled_in_place_with_only_their_own_offsets() -> None:
    batch = [record(0, 7), record(1, 3), record(0, 10), record(0, 11)]
    holes = [(2, OffsetHole("metrics", 0, 8, 10))]
    read: list[OffsetHole] = []

    def reader(hole: OffsetHole) -> list[ConsumedRecord]:
        read.append(hole)
        return [record(0, offset) for offset in range(hole.start, hole.end + 2)]  # reads on

    filled = fill_holes(batch, holes, reader)
    assert [(r.partition, r.offset) for r in filled] == [
        (0, 7),
        (1, 3),
        (0, 8),
        (0, 9),
        (0, 10),
        (0, 11),
    ]
    assert read == [holes[0][1]]
    assert fill_holes(batch, [], reader) == batch


@pytest.mark.kafka
def test_a_hole_is_read_back_from_the_broker(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    """What the worker does on a hole: `TopicReader` over exactly that range of one partition."""
    topic = create_topic(kafka_bootstrap, unique_name("holes"), partitions=2)
    produce_records(
        kafka_bootstrap,
        topic,
        [ProducedRecord(None, f"r{offset}".encode(), partition=1) for offset in range(10)],
    )
    hole = OffsetHole(topic, 1, 3, 6)
    span = PartitionRange(hole.partition, hole.start, hole.end)
    with TopicReader(kafka_bootstrap, topic, StartPosition(), ranges=[span]) as reader:
        read = [record for batch in reader.batches() for record in batch]
    assert [(r.partition, r.offset, r.value) for r in read] == [
        (1, 3, b"r3"),
        (1, 4, b"r4"),
        (1, 5, b"r5"),
    ]
    batch = [record(1, 2, topic), record(1, 6, topic)]
    tracker = OffsetTracker()
    tracker.check([record(1, 1, topic)])
    holes = tracker.check(batch).holes
    assert holes == [(1, OffsetHole(topic, 1, 3, 6))]
    filled = fill_holes(batch, holes, lambda _hole: read)
    assert [r.offset for r in filled] == [2, 3, 4, 5, 6]
