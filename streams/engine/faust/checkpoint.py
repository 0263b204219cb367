"""The `Checkpoint` in faust (faust-streaming 0.15): its commits, with marks, on the consumer.

faust commits on its interval and on rebalance through `Consumer._commit_tps`: offsets of the
records acknowledged (`_filter_committable_offsets`), attached sends, a producer flush, then
aiokafka's `commit()` in its consumer thread with empty metadata. `FaustCheckpoint` takes
`_commit_tps` over, so a commit runs `Checkpoint.commit`'s numbered steps
(`streams/engine/base.py`), and wraps aiokafka's `commit()` to hold each input partition back
to its open intervals and add the mark (`offsets_to_commit`); faust's own idea of what it
committed stays its acked offset, which its gap and ack bookkeeping rely on. Because faust
commits only partitions with new acknowledgements, a quiet partition would keep a hold whose
interval has since closed: such partitions are added at their current offset. `install`
checks the attributes it needs and fails loudly on a faust that changed them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

import faust
from aiokafka.structs import OffsetAndMetadata, TopicPartition
from faust.exceptions import ProducerSendError

from dexwatch.schemas.errors import DexwatchError
from dexwatch.streams.engine.base import Checkpoint
from dexwatch.streams.engine.commit_marks.checkpoint import CheckpointBoard, offsets_to_commit
from dexwatch.streams.intake.records import Partition

__all__ = ["CommitHookError", "FaustCheckpoint"]

log = logging.getLogger(__name__)

_INSTALLED = "_dexwatch_checkpoint"


class CommitHookError(DexwatchError, RuntimeError):
    """This faust version does not commit the way `FaustCheckpoint` expects."""


class FaustCheckpoint(Checkpoint):
    def __init__(
        self, app: faust.App, board: CheckpointBoard, input_topics: Collection[str]
    ) -> None:
        self._app = app
        self._board = board
        self._input_topics = input_topics
        self._consumer: Any = None
        self._filter_committable: Any = None
        self._start_new_transaction = True

    def install(self) -> None:
        """Take the started consumer's commits over (again: a no-op)."""
        consumer: Any = self._app.consumer
        if getattr(consumer, _INSTALLED, False):
            return
        thread = getattr(consumer, "_thread", None)
        kafka: Any = getattr(thread, "_consumer", None)
        needed = (
            kafka is not None,
            callable(getattr(kafka, "commit", None)),
            *(
                callable(getattr(consumer, name, None))
                for name in (
                    "_commit_tps",
                    "_filter_committable_offsets",
                    "_handle_attached",
                    "_commit_offsets",
                )
            ),
            hasattr(consumer, "_committed_offset"),
        )
        if not all(needed):
            raise CommitHookError(
                f"faust {faust.__version__}: the consumer has no aiokafka consumer thread with "
                "commit(), or no _commit_tps, _filter_committable_offsets, _handle_attached or "
                "_commit_offsets; dexwatch supports faust-streaming 0.15"
            )
        self._consumer = consumer
        self._filter_committable = consumer._filter_committable_offsets
        board = self._board
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

        kafka.commit = commit_with_marks
        consumer._commit_tps = self._commit_tps
        setattr(consumer, _INSTALLED, True)

    async def _commit_tps(self, tps: Any, start_new_transaction: bool) -> bool:
        """faust's `Consumer._commit_tps`, as `commit`'s steps."""
        self._start_new_transaction = start_new_transaction
        try:
            return await self.commit(tps)
        except ProducerSendError as error:  # as faust: the producer cannot go on
            await self._consumer.crash(error)
            return False

    def committable(self, partitions: Collection[Any]) -> dict[Any, int]:
        board, consumer = self._board, self._consumer
        board.capture()  # before the producer is flushed (see commit_marks/checkpoint.py)
        tps = list(partitions)
        offsets: dict[Any, int] = self._filter_committable(tps)
        # An input partition the checkpoint does not know was just assigned: faust's acks for
        # it are left from before the revocation (it acknowledges the batch in hand after
        # clearing its books), and committing them would pass records whose open intervals
        # were dropped. Its first batch here publishes its mark.
        processed = board.committing.processed
        for tp in list(offsets):
            if tp.topic in self._input_topics and (tp.topic, tp.partition) not in processed:
                del offsets[tp]
        assignment = consumer.assignment()
        for tp in tps:
            acked = consumer._committed_offset.get(tp)
            where: Partition = (tp.topic, tp.partition)
            if tp not in offsets and tp in assignment and acked and board.stale(where, acked):
                offsets[tp] = acked
        return offsets

    async def flush_outputs(self, offsets: Mapping[Any, int]) -> None:
        # Sends attached to these offsets (faust's), then everything the producer holds: the
        # agents' outputs were awaited already (`OutputSender`), the incidents' were not.
        await self._consumer._handle_attached(offsets)
        await self._app.producer.flush()

    async def write_state(self, offsets: Mapping[Any, int]) -> None:
        # Nothing left here: a faust table sends its changelog record when a key is set (so
        # step 1 flushed them), and model snapshots are written on their schedule and on
        # rebalance and stop (`SeriesSnapshotter`), not per commit.
        return None

    async def commit_offsets(self, offsets: Mapping[Any, int]) -> bool:
        # faust drops partitions revoked meanwhile, commits through aiokafka (the marks are
        # added there, above) and then records what its tables have applied.
        done: bool = await self._consumer._commit_offsets(
            offsets, start_new_transaction=self._start_new_transaction
        )
        return done
