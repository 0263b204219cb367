"""The faust application: one agent over the datasets' topics, and `/metrics` on the web port.

The agent takes records in batches (`take_events`): a batch's closed intervals are scored in
one compiled call per series bank, and faust acknowledges the batch's offsets only after the
broker has its outputs (`OutputSender` waits and retries), so a crash replays rather than
loses. Nothing a record holds may raise out of the agent: faust acknowledges a batch whose
agent raised, and commits past it (the handler dead-letters such records instead).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dexwatch.messaging import connection_for
from dexwatch.schemas.errors import DexwatchError
from dexwatch.streams.engine.commit_marks import CheckpointBoard
from dexwatch.streams.engine.commit_marks.committed_marks import read_committed
from dexwatch.streams.engine.faust.commits import install_commit_marks
from dexwatch.streams.engine.faust.consumer_lag import install_consumer_lag
from dexwatch.streams.engine.faust.credentials import faust_credentials
from dexwatch.streams.engine.faust.incident_agents import install_incidents
from dexwatch.streams.engine.faust.offset_holes import OffsetHole, OffsetTracker, fill_holes
from dexwatch.streams.engine.faust.snapshot_table import FaustSnapshotTable
from dexwatch.streams.engine.faust.stall_watchdog import install_stall_watchdog
from dexwatch.streams.engine.faust.worker_app import worker_app
from dexwatch.streams.engine.heap_freezer import HeapFreezer
from dexwatch.streams.engine.output_sender import OutputSender
from dexwatch.streams.incidents.inputs import incident_inputs_topic
from dexwatch.streams.intake.batch_chunks import chunks_by_size
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord, Partition
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.priming.topic_reader import PartitionRange, StartPosition, TopicReader
from dexwatch.streams.scoring.band_watch import watch_bands
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.snapshots.scheduler import SnapshotScheduler
from dexwatch.streams.snapshots.series_snapshotter import SeriesSnapshotter
from dexwatch.streams.snapshots.table_names import snapshot_table_name
from dexwatch.streams.web_access import WebAccess, read_token

__all__ = ["create_app"]

log = logging.getLogger(__name__)


BATCH_RECORDS = 1000
STATE_REPORT_S = 10.0  # snapshot age: O(series) work
BATCH_WAIT_S = 0.02  # at low rates, latency: a lone record waits at most this long


def create_app(
    settings: WorkerSettings,
    metrics: WorkerMetrics | None = None,
    handler: MetricEventHandler | None = None,
) -> faust.App:
    metrics = metrics or (handler.metrics if handler is not None else WorkerMetrics())
    handler = handler or MetricEventHandler(settings, metrics)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    access = WebAccess(read_token(settings.web_token, settings.web_token_file), settings.web_bind)
    access.warn_if_closed()
    app = worker_app(
        settings.app_id,
        broker=settings.faust_broker_url,
        # TLS and SASL (DEXWATCH_KAFKA__*): faust passes them to each of its aiokafka clients.
        broker_credentials=faust_credentials(connection_for(settings.bootstrap_servers)),
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.topic_partitions,
        datadir=str(settings.data_dir),
        web_bind=settings.web_bind,
        web_port=settings.web_port,
        web_host=settings.web_bind,
        web_application_options={"middlewares": [access.middleware]},
        broker_session_timeout=settings.broker_session_timeout_s,
        consumer_group_instance_id=settings.group_instance_id,
        canonical_url=_member_url(settings),  # None: faust's default, from the web port
        autodiscover=False,
        store="memory://",  # the default store; the snapshot tables ask for RocksDB
    )
    input_topics = app.topic(*handler.topics, key_type=bytes, value_type=bytes)
    snapshotters = _snapshots(app, settings, handler)
    # Which series are still outside their band, for the incidents (their inputs topic).
    band_watch = watch_bands(handler, settings.app_id)
    output_topics = {
        name: app.topic(name, key_type=bytes, value_type=bytes)
        for name in (
            settings.anomalies_topic,
            settings.dead_letter_topic,
            settings.model_actions_topic,
            settings.scores_topic,
            band_watch.topic,
        )
    }

    async def send(output: OutputRecord) -> Any:
        headers = list(output.headers) or None
        topic = output_topics[output.topic]
        return await topic.send(key=output.key, value=output.value, headers=headers)

    sender = OutputSender(
        send,
        metrics,
        {
            settings.anomalies_topic: "anomaly",
            settings.dead_letter_topic: "dead_letter",
            settings.model_actions_topic: "model_action",
            settings.scores_topic: "score",
            band_watch.topic: "band_status",
        },
    )
    heap = HeapFreezer()
    offsets = OffsetTracker()
    board = CheckpointBoard()

    def read_hole(hole: OffsetHole) -> list[ConsumedRecord]:
        """A hole's records, read directly (blocking: holes are rare, a few records long)."""
        span = PartitionRange(hole.partition, hole.start, hole.end)
        with TopicReader(
            settings.bootstrap_servers, hole.topic, StartPosition(), ranges=[span]
        ) as reader:
            found = [record for batch in reader.batches() for record in batch]
        if found:
            metrics.offset_holes.inc()
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

    async def resume(partitions: set[Partition]) -> None:
        """Partitions seen for the first time since their assignment: where their committed
        offset is (holes before the first record are then found too), and its mark."""
        install_commit_marks(app, board, handler.topics)
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
            offsets.expect(where, found.offset)
            if found.mark is not None:
                board.seed(where, found.mark.processed)
                handler.resume_partition(where, found.mark)
                log.info(
                    "%s[%d]: resuming at offset %s; records before %d were handled before",
                    *where,
                    found.offset,
                    found.mark.processed,
                )

    async def forget_revoked(_sender: Any, revoked: set[Any], **_kwargs: Any) -> None:
        gone = {(tp.topic, tp.partition) for tp in revoked}
        offsets.forget(gone)
        board.forget(gone)
        handler.release_partitions(gone, holds_none=not board.held)

    revocations: Any = app.on_partitions_revoked  # faust's signal types reject async receivers
    revocations.connect(forget_revoked)

    async def score_metric_events(stream: Any) -> None:
        # concurrency stays 1: with more, faust can commit past an unfinished message.
        async for events in stream.take_events(BATCH_RECORDS, within=BATCH_WAIT_S):
            consumed = [
                ConsumedRecord(
                    topic=event.message.topic,
                    partition=event.message.partition,
                    offset=event.message.offset,
                    key=event.message.key,
                    value=event.message.value or b"",  # a tombstone's None: dead-lettered `empty`
                )
                for event in events
            ]
            unseen = {(r.topic, r.partition) for r in consumed}.difference(offsets.held)
            if unseen:
                await resume(unseen)
            checked = offsets.check(consumed)
            if checked.redelivered:
                metrics.records_redelivered.inc(checked.redelivered)
                log.debug("dropped %d record(s) delivered again", checked.redelivered)
            consumed, holes = checked.records, checked.holes
            if holes:
                try:  # in a thread: the direct read blocks, and heartbeats must go on
                    consumed = await asyncio.to_thread(fill_holes, consumed, holes, read_hole)
                except DexwatchError as error:
                    log.error("could not read back skipped records, they are lost: %s", error)
            for chunk in chunks_by_size(consumed):
                outputs: list[OutputRecord] = []
                for _ in handler.handle_in_slices(chunk, outputs):
                    await asyncio.sleep(0)  # a large batch record: let heartbeats and sends run
                outputs += band_watch.take()
                # Back only once the broker has them all: a failure stops here and retries,
                # so faust never acknowledges (and commits) records whose outputs were lost.
                await sender.send_all(outputs)
                await asyncio.sleep(0)  # a chunk without outputs yields here, as it always has
                for key, topic, partition in handler.touched:
                    if snapshotters[topic].on_event(key, partition):
                        metrics.snapshot_writes.inc()
            # Commits until now write the previous batch's checkpoint: it vouches for less.
            board.publish(
                offsets.positions(), handler.first_open_offsets(), handler.watermarks_by_topic()
            )
            heap.after_batch(handler.series_count)

    app.agent(input_topics, name="score-metric-events")(score_metric_events)

    async def prometheus_metrics(web: Any, request: Any) -> Any:
        # As a header: aiohttp refuses a charset inside its `content_type` argument.
        return web.bytes(
            generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app.page("/metrics")(prometheus_metrics)

    async def health(web: Any, request: Any) -> Any:
        return web.json({"status": "ok"})

    app.page("/health")(health)

    async def report_state() -> None:
        ages = [snapshotter.scheduler.oldest_dirty_age() for snapshotter in snapshotters.values()]
        metrics.snapshot_age.set(max(ages, default=0.0))
        sender.report()  # the dead-letter summary of a quiet spell
        handler.refusals.report()  # and the refusals'

    app.timer(STATE_REPORT_S)(report_state)

    install_stall_watchdog(app, set(handler.topics), offsets.expected, metrics)
    install_consumer_lag(
        app, settings.bootstrap_servers, handler.topics, incident_inputs_topic(app.conf.id), metrics
    )
    install_incidents(
        app,
        settings,
        metrics,
        [runtime.dataset for runtime in handler.datasets],
        lambda: {r.dataset.name: r.aggregator.watermark for r in handler.datasets},
    )
    return app


def _member_url(settings: WorkerSettings) -> str | None:
    """A static member's faust URL: its instance id, not its web port.

    faust's assignor refuses an assignment made for another URL (an `AssertionError` that
    stops the consumer), and a restarted static member gets the assignment cached for its
    instance id: with the web port in the URL, a worker back on another port would hang.
    We route no requests by this URL; it only names the member.
    """
    if settings.group_instance_id is None:
        return None
    return f"http://static-member.invalid/{settings.group_instance_id}"


def _snapshots(
    app: faust.App, settings: WorkerSettings, handler: MetricEventHandler
) -> dict[str, SeriesSnapshotter]:
    """One changelog-backed RocksDB table of model snapshots per input topic.

    Series are snapshotted on their schedule after the batch that scored them, and every
    dirty one on rebalance and shutdown; a series first seen starts from its snapshot.
    """
    tables: dict[str, FaustSnapshotTable] = {}
    snapshotters: dict[str, SeriesSnapshotter] = {}
    for index, topic in enumerate(handler.topics):
        table = tables[topic] = FaustSnapshotTable(
            app,
            snapshot_table_name(index),
            source_topic=topic,
            partitions=settings.topic_partitions,
            history=settings.snapshot_history,
        )
        snapshotter = snapshotters[topic] = SeriesSnapshotter(
            table,
            SnapshotScheduler(settings.snapshot_interval_s),
            handler.series_state,
            on_forget=handler.forget,
        )
        table.flush_dirty_on_rebalance_and_stop(
            snapshotter.flush, on_assigned=snapshotter.forget_unassigned
        )
    for runtime in handler.datasets:
        runtime.restore_from(tables[runtime.dataset.source.topic].history)
    return snapshotters
