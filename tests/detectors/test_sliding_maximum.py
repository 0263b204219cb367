from __future__ import annotations

from detectors.sliding_maximum import SlidingMaximum


def test_tracks_the_maximum_and_forgets_whole_blocks() -> None:
    record = SlidingMaximum(block=2, blocks=2)
    assert record.value == 0.0
    for value in (5.0, 1.0):  # block 1: max 5
        record.learn(value)
    assert record.value == 5.0
    for value in (2.0, 3.0):  # block 2: max 3
        record.learn(value)
    assert record.value == 5.0
    for value in (1.0, 1.0):  # block 3 replaces block 1
        record.learn(value)
    assert record.value == 3.0
    record.learn(9.0)  # the block being filled counts at once
    assert record.value == 9.0


def test_state_restores_exactly() -> None:
    record = SlidingMaximum(block=3, blocks=4)
    for value in (1.0, 7.0, 2.0, 4.0, 0.5):
        record.learn(value)
    copy = SlidingMaximum(block=3, blocks=4)
    copy.restore(*record.state())
    for value in (0.1, 0.2, 0.3, 0.4, 0.1, 0.1, 0.1):
        record.learn(value)
        copy.learn(value)
        assert copy.value == record.value
