"""The schedule (rare writes, per series wall time), the flush of dirty series, and forgetting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dexwatch.streams.snapshots import (
    InMemorySnapshotStore,
    PartitionedSnapshotStore,
    SeriesSnapshotter,
    SeriesState,
    SnapshotScheduler,
    SnapshotStore,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counters:
    """A stand-in worker: one counter per series, its value as the state."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def state(self, key: str) -> SeriesState | None:
        count = self.counts.get(key)
        if count is None:
            return None
        return SeriesState(count.to_bytes(8, "little"), count, count)


def make(
    interval_s: float = 10.0, *, spread: bool = False
) -> tuple[SeriesSnapshotter, InMemorySnapshotStore, Counters, FakeClock]:
    clock = FakeClock()
    store = InMemorySnapshotStore(history=3)
    counters = Counters()
    snapshotter = SeriesSnapshotter(
        store,
        SnapshotScheduler(interval_s, clock=clock, spread=spread),
        counters.state,
        now=lambda: datetime(2025, 1, 1, tzinfo=UTC),
    )
    return snapshotter, store, counters, clock


def event(snapshotter: SeriesSnapshotter, counters: Counters, key: str, partition: int) -> bool:
    counters.add(key)
    return snapshotter.on_event(key, partition)


def test_the_in_memory_store_meets_both_protocols() -> None:
    store = InMemorySnapshotStore()
    assert isinstance(store, SnapshotStore)
    assert isinstance(store, PartitionedSnapshotStore)


def test_a_series_is_snapshotted_once_per_interval_of_wall_time() -> None:
    snapshotter, store, counters, clock = make(interval_s=10.0)
    written = []
    for _ in range(1000):  # 1000 events over 62.5 s of wall time, 62.5 ms apart
        clock.now += 0.0625
        written.append(event(snapshotter, counters, "pool-a", 2))
    # Due every 160 events (10 s) after the first one: 6 writes for 1000 events.
    assert [index for index, wrote in enumerate(written) if wrote] == [160, 320, 480, 640, 800, 960]
    assert store.writes == 6
    assert [s.points_seen for s in store.history("pool-a")] == [961, 801, 641]


def test_first_snapshots_of_series_seen_together_are_spread_over_the_interval() -> None:
    snapshotter, _store, counters, clock = make(interval_s=100.0, spread=True)
    keys = [f"pool-{index}" for index in range(1000)]
    for key in keys:  # all first seen at once, as at start-up
        event(snapshotter, counters, key, 0)
    due_at, first_due = [], set()
    for second in range(1, 101):
        clock.now += 1.0
        due = [key for key in keys if event(snapshotter, counters, key, 0)]
        due_at += [second] * len(due)
        if second == 1:
            first_due = set(due)
    assert len(due_at) == len(keys)  # each once, within the interval
    per_decile = [sum(1 for at in due_at if 10 * d < at <= 10 * (d + 1)) for d in range(10)]
    assert max(per_decile) < 150, per_decile  # about 100 per 10 s, never all at once
    clock.now += 1.0  # then every interval from its own write
    assert {key for key in keys if event(snapshotter, counters, key, 0)} == first_due


def test_the_interval_is_per_series() -> None:
    snapshotter, store, counters, clock = make(interval_s=10.0)
    event(snapshotter, counters, "a", 0)
    clock.now += 6
    event(snapshotter, counters, "b", 1)
    clock.now += 5
    assert event(snapshotter, counters, "a", 0)
    assert not event(snapshotter, counters, "b", 1)
    assert list(store.series()) == ["a"]


def test_flush_writes_only_dirty_series_of_the_named_partitions() -> None:
    snapshotter, store, counters, _clock = make(interval_s=10.0)
    for key, partition in (("a", 0), ("b", 1), ("c", 1)):
        event(snapshotter, counters, key, partition)
    assert snapshotter.flush({1}) == 2
    assert store.partitions == {"b": 1, "c": 1}
    assert snapshotter.flush({1}) == 0  # clean now
    assert snapshotter.flush() == 1  # "a" still dirty
    event(snapshotter, counters, "b", 1)
    assert snapshotter.flush() == 1
    latest = store.latest("b")
    assert latest is not None
    assert latest.points_seen == 2
    assert (snapshotter.scheduled_writes, snapshotter.flushed_writes) == (0, 4)


def test_a_restored_series_is_clean_until_its_next_event() -> None:
    snapshotter, _store, counters, _clock = make()
    snapshotter.restored("a", 3)
    assert snapshotter.flush() == 0
    event(snapshotter, counters, "a", 3)
    assert snapshotter.flush() == 1


def test_series_of_partitions_no_longer_assigned_are_forgotten() -> None:
    dropped: list[list[str]] = []
    clock = FakeClock()
    counters = Counters()
    snapshotter = SeriesSnapshotter(
        InMemorySnapshotStore(),
        SnapshotScheduler(5.0, clock=clock),
        counters.state,
        on_forget=dropped.append,
    )
    for key, partition in (("a", 0), ("b", 1), ("c", 2)):
        event(snapshotter, counters, key, partition)
    assert snapshotter.forget_unassigned({0, 2}) == ["b"]
    assert dropped == [["b"]]
    assert snapshotter.scheduler.partitions() == {0, 2}
    assert snapshotter.forget_unassigned({0, 2}) == []
    assert dropped == [["b"]]


def test_a_series_the_worker_no_longer_has_is_skipped() -> None:
    snapshotter, store, counters, _clock = make()
    event(snapshotter, counters, "a", 0)
    del counters.counts["a"]
    assert snapshotter.flush() == 0
    assert store.writes == 0


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="interval_s"):
        SnapshotScheduler(0)
