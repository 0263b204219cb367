"""The marks the next offset commit writes, kept current by the agent after each chunk.

The agent publishes a `Checkpoint` only once a batch's outputs are handed to the producer.
A commit captures the checkpoint when it starts, and faust then flushes the producer before
it commits, so whatever a committed mark says was scored has left the worker (the agent may
publish newer checkpoints during the flush; they wait for the next commit). The consumer
thread reads `CheckpointBoard.committing` (one immutable object, swapped whole).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from dexwatch.streams.engine.commit_marks.commit_mark import CommitMark, encode_mark
from dexwatch.streams.intake.records import Partition

__all__ = ["Checkpoint", "CheckpointBoard", "offsets_to_commit"]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Per partition: the next offset to handle, and the first record held in an open
    interval (absent: none); per topic, its interval datasets' watermarks."""

    processed: Mapping[Partition, int] = field(default_factory=dict)
    holds: Mapping[Partition, int] = field(default_factory=dict)
    watermarks: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def offsets_to_commit(
    checkpoint: Checkpoint, acked: Mapping[Partition, int]
) -> dict[Partition, tuple[int, str]]:
    """(offset, metadata) to commit for faust's `acked` offsets: held back to the first
    record still in an open interval, with the mark of what the records after it did.
    Partitions the checkpoint does not know (the worker's internal topics) pass unchanged."""
    commits: dict[Partition, tuple[int, str]] = {}
    for where, offset in acked.items():
        processed = checkpoint.processed.get(where)
        if processed is None:
            commits[where] = (offset, "")
            continue
        hold = checkpoint.holds.get(where)
        mark = CommitMark(
            acked=offset,
            processed=max(processed, offset),
            watermarks=checkpoint.watermarks.get(where[0], {}),
        )
        commits[where] = (offset if hold is None else min(offset, hold), encode_mark(mark))
    return commits


class CheckpointBoard:
    def __init__(self) -> None:
        self.current = Checkpoint()
        # The checkpoint a commit in progress writes: taken when the commit starts, before
        # faust flushes the producer, so that every output it vouches for has been flushed.
        self.committing = Checkpoint()
        self._processed: dict[Partition, int] = {}
        self._committed: dict[Partition, tuple[int, str]] = {}

    @property
    def held(self) -> Collection[Partition]:
        """The partitions with records handled since they were assigned."""
        return self._processed.keys()

    def seed(self, where: Partition, processed: int) -> None:
        """A partition just assigned: records before `processed` were handled before."""
        if processed > self._processed.get(where, -1):
            self._processed[where] = processed

    def publish(
        self,
        processed: Mapping[Partition, int],
        holds: Mapping[Partition, int],
        watermarks: Mapping[str, Mapping[str, int]],
    ) -> None:
        """After a batch's outputs left: the next offset per partition (every record before
        it handled), and the handler's holds and watermarks."""
        known = self._processed
        for where, offset in processed.items():
            if offset > known.get(where, -1):
                known[where] = offset
        self.current = Checkpoint(dict(known), dict(holds), watermarks)

    def forget(self, partitions: Collection[Partition]) -> None:
        """Revoked partitions: their next owner starts from their committed marks."""
        for where in partitions:
            self._processed.pop(where, None)
            self._committed.pop(where, None)
        current = self.current
        self.current = Checkpoint(
            {w: o for w, o in current.processed.items() if w not in partitions},
            {w: o for w, o in current.holds.items() if w not in partitions},
            current.watermarks,
        )

    def capture(self) -> None:
        """A commit starts: it writes the checkpoint as of now."""
        self.committing = self.current

    def record_commit(self, commits: Mapping[Partition, tuple[int, str]]) -> None:
        """What the consumer thread is committing (compared by `stale`)."""
        self._committed.update(commits)

    def stale(self, where: Partition, acked: int) -> bool:
        """Whether `where`'s committed hold or mark is behind the checkpoint although faust
        has nothing new to commit there (a quiet partition whose interval closed since)."""
        if where not in self.current.processed:
            return False
        return offsets_to_commit(self.current, {where: acked})[where] != self._committed.get(where)
