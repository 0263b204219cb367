from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from dexwatch.streams.engine.heap_freezer import HeapFreezer


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # give this test process's objects back to the collector


@pytest.mark.usefixtures("unfrozen")
def test_freezes_after_the_first_batch_then_when_series_grew_by_a_quarter() -> None:
    freezer = HeapFreezer()
    assert freezer.after_batch(100)
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert not freezer.after_batch(110)
    assert not freezer.after_batch(124)
    kept = [[index] for index in range(1000)]  # new tracked objects since
    assert freezer.after_batch(125)
    assert gc.get_freeze_count() >= frozen + len(kept)


@pytest.mark.usefixtures("unfrozen")
def test_cyclic_garbage_is_collected_rather_than_frozen() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    gc.disable()  # so only the freezer's own collection can free the cycles
    try:
        refs = [weakref.ref(Node()) for _ in range(100)]
        assert all(ref() is not None for ref in refs)  # unreachable, but alive until collected
        HeapFreezer().after_batch(0)
        assert all(ref() is None for ref in refs)
    finally:
        gc.enable()
