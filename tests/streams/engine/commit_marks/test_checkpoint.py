"""What a commit writes: held back to the first record in an open interval, and marked."""

from __future__ import annotations

from dexwatch.streams.engine.commit_marks import (
    Checkpoint,
    CheckpointBoard,
    decode_mark,
    offsets_to_commit,
)

A0, A1, OTHER = ("ticks", 0), ("ticks", 1), ("dexwatch-incident-inputs", 0)


def test_a_partition_is_committed_no_further_than_its_first_open_record() -> None:
    checkpoint = Checkpoint(
        processed={A0: 50, A1: 20}, holds={A0: 31}, watermarks={"ticks": {"per-minute": 600}}
    )
    commits = offsets_to_commit(checkpoint, {A0: 45, A1: 20, OTHER: 7})
    assert commits[A0][0] == 31
    assert commits[A1][0] == 20  # nothing open there
    assert commits[OTHER] == (7, "")  # not an input partition: as faust wanted
    mark = decode_mark(commits[A0][1])
    assert mark is not None
    assert (mark.acked, mark.processed, dict(mark.watermarks)) == (45, 50, {"per-minute": 600})


def test_a_quiet_partition_is_stale_once_its_interval_closed() -> None:
    board = CheckpointBoard()
    board.publish({A0: 10}, holds={A0: 3}, watermarks={"ticks": {"per-minute": 60}})
    board.record_commit(offsets_to_commit(board.current, {A0: 10}))
    assert not board.stale(A0, 10)
    board.publish({}, holds={}, watermarks={"ticks": {"per-minute": 120}})  # closed elsewhere
    assert board.stale(A0, 10)
    board.record_commit(offsets_to_commit(board.current, {A0: 10}))
    assert not board.stale(A0, 10)


def test_forgotten_partitions_leave_the_checkpoint() -> None:
    board = CheckpointBoard()
    board.seed(A1, 40)
    board.publish({A0: 10, A1: 4}, holds={A0: 3}, watermarks={})
    assert board.current.processed == {A0: 10, A1: 40}  # seeded further than the re-read
    board.forget({A0})
    assert board.current.processed == {A1: 40}
    assert board.current.holds == {}
    assert list(board.held) == [A1]
    assert not board.stale(A0, 10)


def test_a_commit_writes_the_checkpoint_it_captured_before_the_flush() -> None:
    board = CheckpointBoard()
    board.publish({A0: 10}, holds={A0: 3}, watermarks={"ticks": {"per-minute": 60}})
    board.capture()  # the commit starts; faust flushes the producer next
    board.publish({A0: 20}, holds={}, watermarks={"ticks": {"per-minute": 120}})
    # The outputs behind the newer checkpoint may not be flushed yet: it waits.
    commit = offsets_to_commit(board.committing, {A0: 10})
    mark = decode_mark(commit[A0][1])
    assert commit[A0][0] == 3
    assert mark is not None
    assert (mark.processed, dict(mark.watermarks)) == (10, {"per-minute": 60})
