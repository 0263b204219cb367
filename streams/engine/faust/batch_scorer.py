"""The scoring agent's batch: checked against faust's offset bugs, scored, its outputs written,
then published to the checkpoint.

faust hands the agent records in batches (`FaustEngine.consume`). Before the handler sees a
batch, each partition seen for the first time since its assignment resumes from its committed
offset and mark (`resume`), records handed over twice are dropped, and holes faust skipped are
read back (`offset_holes.py`). After the batch's outputs are written, its positions, holds
and watermarks go to the `CheckpointBoard`, which the next commit writes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence

from dexwatch.schemas.errors import DexwatchError
from dexwatch.streams.engine.commit_marks import CheckpointBoard
from dexwatch.streams.engine.commit_marks.committed_marks import read_committed
from dexwatch.streams.engine.faust.checkpoint import FaustCheckpoint
from dexwatch.streams.engine.faust.offset_holes import OffsetHole, OffsetTracker, fill_holes
from dexwatch.streams.engine.heap_freezer import HeapFreezer
from dexwatch.streams.engine.output_sender import OutputSender
from dexwatch.streams.intake.batch_chunks import chunks_by_size
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord, Partition
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.priming.topic_reader import PartitionRange, StartPosition, TopicReader
from dexwatch.streams.scoring.band_watch import BandWatch
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.snapshots.series_snapshotter import SeriesSnapshotter

__all__ = ["BatchScorer"]

log = logging.getLogger(__name__)


class BatchScorer:
    def __init__(
        self,
        settings: WorkerSettings,
        handler: MetricEventHandler,
        metrics: WorkerMetrics,
        sender: OutputSender,
        band_watch: BandWatch,
        snapshotters: Mapping[str, SeriesSnapshotter],
        checkpoint: FaustCheckpoint,
        board: CheckpointBoard,
    ) -> None:
        self._settings = settings
        self._handler = handler
        self._metrics = metrics
        self._sender = sender
        self._band_watch = band_watch
        self._snapshotters = snapshotters
        self._checkpoint = checkpoint
        self._board = board
        self.offsets = OffsetTracker()
        self._heap = HeapFreezer()

    async def __call__(self, consumed: Sequence[ConsumedRecord], /) -> None:
        handler, metrics, offsets = self._handler, self._metrics, self.offsets
        unseen = {(r.topic, r.partition) for r in consumed}.difference(offsets.held)
        if unseen:
            await self._resume(unseen)
        checked = offsets.check(consumed)
        if checked.redelivered:
            metrics.records_redelivered.inc(checked.redelivered)
            log.debug("dropped %d record(s) delivered again", checked.redelivered)
        records, holes = checked.records, checked.holes
        if holes:
            try:  # in a thread: the direct read blocks, and heartbeats must go on
                records = await asyncio.to_thread(fill_holes, records, holes, self._read_hole)
            except DexwatchError as error:
                log.error("could not read back skipped records, they are lost: %s", error)
        for chunk in chunks_by_size(records):
            outputs: list[OutputRecord] = []
            for _ in handler.handle_in_slices(chunk, outputs):
                await asyncio.sleep(0)  # a large batch record: let heartbeats and sends run
            outputs += self._band_watch.take()
            # Back only once the broker has them all: a failure stops here and retries,
            # so faust never acknowledges (and commits) records whose outputs were lost.
            await self._sender.send_all(outputs)
            await asyncio.sleep(0)  # a chunk without outputs yields here, as it always has
            for key, topic, partition in handler.touched:
                if self._snapshotters[topic].on_event(key, partition):
                    metrics.snapshot_writes.inc()
        # Commits until now write the previous batch's checkpoint: it vouches for less.
        self._board.publish(
            offsets.positions(), handler.first_open_offsets(), handler.watermarks_by_topic()
        )
        self._heap.after_batch(handler.series_count)

    async def forget_revoked(self, partitions: set[Partition]) -> None:
        """A rebalance step: revoked partitions' offsets, marks and open intervals go (the
        next owner rebuilds the intervals from the committed offsets)."""
        self.offsets.forget(partitions)
        self._board.forget(partitions)
        self._handler.release_partitions(partitions, holds_none=not self._board.held)

    async def _resume(self, partitions: set[Partition]) -> None:
        """Partitions seen for the first time since their assignment: where their committed
        offset is (holes before the first record are then found too), and its mark."""
        self._checkpoint.install()  # the consumer exists once records come
        settings = self._settings
        try:
            committed = await read_committed(
                settings.bootstrap_servers, settings.app_id, partitions
            )
        except DexwatchError as error:
            log.error(
                "%s; reading %s as if nothing was held back: intervals scored before may be "
                "scored again from part of their records, under the same ids",
                error,
                sorted(partitions),
            )
            return
        for where, found in committed.items():
            self.offsets.expect(where, found.offset)
            if found.mark is not None:
                self._board.seed(where, found.mark.processed)
                self._handler.resume_partition(where, found.mark)
                log.info(
                    "%s[%d]: resuming at offset %s; records before %d were handled before",
                    *where,
                    found.offset,
                    found.mark.processed,
                )

    def _read_hole(self, hole: OffsetHole) -> list[ConsumedRecord]:
        """A hole's records, read directly (blocking: holes are rare, a few records long)."""
        span = PartitionRange(hole.partition, hole.start, hole.end)
        with TopicReader(
            self._settings.bootstrap_servers, hole.topic, StartPosition(), ranges=[span]
        ) as reader:
            found = [record for batch in reader.batches() for record in batch]
        if found:
            self._metrics.offset_holes.inc()
            log.error(
                "faust skipped %s[%d] offsets %d..%d; read %d record(s) back, none is lost",
                hole.topic,
                hole.partition,
                hole.start,
                hole.end - 1,
                len(found),
            )
        else:  # transaction markers or compaction: offsets that hold no record
            log.debug(
                "%s[%d] offsets %d..%d hold no record",
                hole.topic,
                hole.partition,
                hole.start,
                hole.end - 1,
            )
        return found
