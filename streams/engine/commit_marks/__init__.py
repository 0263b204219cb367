"""Offset commits that keep open intervals: what a committed offset stands for, and the hold.

faust commits an input partition up to the records the agent has finished. For an interval
dataset "finished" is not "scored": a record can sit in an open interval for up to
`interval + allowed_lateness`, and a crash or a rebalance would lose it with the process. So
the worker commits each input partition no further than the oldest record it still holds in
an open interval (the hold), and writes beside the offset, in the commit's metadata (atomic
with it), what the records after that offset have already done: a `CommitMark`. A worker that
reads the partition again, after a crash or a rebalance, rebuilds the open intervals from
those records and skips the ones whose intervals were already scored.
"""

from dexwatch.streams.engine.commit_marks.checkpoint import (
    Checkpoint,
    CheckpointBoard,
    offsets_to_commit,
)
from dexwatch.streams.engine.commit_marks.commit_mark import CommitMark, decode_mark, encode_mark

__all__ = [
    "Checkpoint",
    "CheckpointBoard",
    "CommitMark",
    "decode_mark",
    "encode_mark",
    "offsets_to_commit",
]
