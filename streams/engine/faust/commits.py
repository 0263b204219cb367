"""Where the checkpoint meets faust: two wrappers on the app's consumer (faust-streaming 0.15).

faust picks the offsets to commit (records acknowledged, `_filter_committable_offsets`),
flushes its producer, then hands them, in its consumer thread, to aiokafka's `commit()` with
empty metadata. We wrap that `commit()` to hold each input partition back and add the mark
(`offsets_to_commit`); faust's own idea of what it committed stays its acked offset, which its
gap and ack bookkeeping rely on. We wrap the first step to capture the checkpoint the commit
writes, before the flush, and because faust commits only partitions with new acknowledgements:
a quiet partition would keep a hold whose interval has since closed, so such partitions are
added at their current offset. `install` checks the attributes it needs and fails loudly on a
faust that changed them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import faust
from aiokafka.structs import OffsetAndMetadata, TopicPartition

from dexwatch.schemas.errors import DexwatchError
from dexwatch.streams.engine.commit_marks.checkpoint import CheckpointBoard, offsets_to_commit
from dexwatch.streams.intake.records import Partition

__all__ = ["CommitHookError", "install_commit_marks"]

log = logging.getLogger(__name__)

_INSTALLED = "_dexwatch_commit_marks"


class CommitHookError(DexwatchError, RuntimeError):
    """This faust version does not commit the way `install_commit_marks` expects."""


def install_commit_marks(
    app: faust.App, board: CheckpointBoard, input_topics: Collection[str]
) -> None:
    """Wrap the started consumer's commits (again: a no-op)."""
    consumer: Any = app.consumer
    if getattr(consumer, _INSTALLED, False):
        return
    thread = getattr(consumer, "_thread", None)
    kafka: Any = getattr(thread, "_consumer", None)
    needed = (
        kafka is not None,
        callable(getattr(kafka, "commit", None)),
        callable(getattr(consumer, "_filter_committable_offsets", None)),
        hasattr(consumer, "_committed_offset"),
    )
    if not all(needed):
        raise CommitHookError(
            f"faust {faust.__version__}: the consumer has no aiokafka consumer thread with "
            "commit() or no _filter_committable_offsets; dexwatch supports faust-streaming 0.15"
        )
    kafka_commit = kafka.commit

    async def commit_with_marks(offsets: dict[TopicPartition, OffsetAndMetadata]) -> Any:
        """In faust's consumer thread: hold back and mark what faust commits."""
        acked = {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}
        commits = offsets_to_commit(board.committing, acked)
        held = {w: (acked[w], c[0]) for w, c in commits.items() if c[0] < acked[w]}
        if held:
            log.debug("committing held back to open intervals: %s", held)
        done = await kafka_commit(
            {
                TopicPartition(topic, partition): OffsetAndMetadata(offset, metadata)
                for (topic, partition), (offset, metadata) in commits.items()
            }
        )
        board.record_commit(commits)  # not before: a refused commit must be tried again
        return done

    filter_committable = consumer._filter_committable_offsets

    def with_stale_partitions(tps: Any) -> Any:
        board.capture()  # before faust flushes the producer (see checkpoint.py)
        tps = list(tps)
        offsets = filter_committable(tps)
        # An input partition the checkpoint does not know was just assigned: faust's acks for
        # it are left from before the revocation (it acknowledges the batch in hand after
        # clearing its books), and committing them would pass records whose open intervals
        # were dropped. Its first batch here publishes its mark.
        processed = board.committing.processed
        for tp in list(offsets):
            if tp.topic in input_topics and (tp.topic, tp.partition) not in processed:
                del offsets[tp]
        assignment = consumer.assignment()
        for tp in tps:
            acked = consumer._committed_offset.get(tp)
            where: Partition = (tp.topic, tp.partition)
            if tp not in offsets and tp in assignment and acked and board.stale(where, acked):
                offsets[tp] = acked
        return offsets

    kafka.commit = commit_with_marks
    consumer._filter_committable_offsets = with_stale_partitions
    setattr(consumer, _INSTALLED, True)
