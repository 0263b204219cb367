"""The worker, composed on the engine seam: one agent over the datasets' topics, the incidents,
snapshots, `/metrics` and `/health`, and the rebalance steps in their order.

Records are handled in batches (`BatchScorer`), by default each fetch's records straight from
the consumer (`batch_intake.py`, `DEXWATCH_BATCH_INTAKE`), else an agent's `take_events`. A
batch's closed intervals are scored in
one compiled call per series bank, and faust acknowledges the batch's offsets only after the
broker has its outputs (`OutputSender` waits and retries), so a crash replays rather than
loses. Nothing a record holds may raise out of the agent: faust acknowledges a batch whose
agent raised, and commits past it (the handler dead-letters such records instead).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import faust
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dexwatch.streams.engine.base import ChangelogStore, WebResponse
from dexwatch.streams.engine.commit_marks import CheckpointBoard
from dexwatch.streams.engine.faust.batch_scorer import BatchScorer
from dexwatch.streams.engine.faust.checkpoint import FaustCheckpoint
from dexwatch.streams.engine.faust.consumer_lag import install_consumer_lag
from dexwatch.streams.engine.faust.credentials import faust_credentials
from dexwatch.streams.engine.faust.engine import FaustEngine
from dexwatch.streams.engine.faust.incident_agents import install_incidents
from dexwatch.streams.engine.faust.stall_watchdog import install_stall_watchdog
from dexwatch.streams.engine.faust.worker_app import worker_app
from dexwatch.streams.engine.output_sender import OutputSender
from dexwatch.streams.incidents.inputs import incident_inputs_topic
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import Partition
from dexwatch.streams.metrics import WorkerMetrics
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
        broker=broker_url(settings.bootstrap_servers),
        # TLS and SASL (DEXWATCH_KAFKA__*): faust passes them to each of its aiokafka clients.
        broker_credentials=faust_credentials(settings.connection),
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
    # Which series are still outside their band, for the incidents (their inputs topic).
    band_watch = watch_bands(handler, settings.app_id)
    output_kinds = {  # topic -> the `output` label of the write-failure counter
        settings.topics.anomalies: "anomaly",
        settings.topics.dead_letter: "dead_letter",
        settings.topics.model_actions: "model_action",
        settings.topics.scores: "score",
        band_watch.topic: "band_status",
    }
    engine = FaustEngine(app, list(output_kinds), batch_intake=settings.batch_intake)
    sender = OutputSender(engine.send, metrics, output_kinds)
    snapshots, stores = _snapshots(engine, settings, handler)
    board = CheckpointBoard()
    checkpoint = FaustCheckpoint(app, board, handler.topics)
    scorer = BatchScorer(
        settings, handler, metrics, sender, band_watch, snapshots, checkpoint, board
    )
    engine.consume(
        handler.topics,
        scorer,
        name="score-metric-events",
        max_records=BATCH_RECORDS,
        within_s=BATCH_WAIT_S,
    )

    async def forget_unassigned(partitions: set[Partition]) -> None:
        for topic, snapshotter in snapshots.items():
            snapshotter.forget_unassigned({p for t, p in partitions if t == topic})

    async def metrics_page(_: Mapping[str, str]) -> WebResponse:
        return WebResponse(generate_latest(metrics.registry), CONTENT_TYPE_LATEST)

    async def health_page(_: Mapping[str, str]) -> WebResponse:
        return WebResponse(b'{"status": "ok"}')

    engine.route("/metrics", metrics_page)
    engine.route("/health", health_page)

    async def report_state() -> None:
        ages = [snapshotter.scheduler.oldest_dirty_age() for snapshotter in snapshots.values()]
        metrics.snapshot_age.set(max(ages, default=0.0))
        sender.report()  # the dead-letter summary of a quiet spell
        handler.refusals.report()  # and the refusals'

    engine.timer(STATE_REPORT_S, report_state)

    install_stall_watchdog(app, set(handler.topics), scorer.offsets.expected, metrics)
    install_consumer_lag(
        app, settings.bootstrap_servers, handler.topics, incident_inputs_topic(app.conf.id), metrics
    )
    incidents = install_incidents(
        app,
        settings,
        metrics,
        [runtime.dataset for runtime in handler.datasets],
        lambda: {r.dataset.name: r.aggregator.watermark for r in handler.datasets},
    )
    # A rebalance, in this order (faust has waited for the batch in hand before revoking).
    engine.on_revoked(
        # 1. The revoked partitions' dirty model snapshots, in their changelogs, before the
        #    next owner restores them (this still reads the models held in memory).
        *(store.flush_revoked for store in stores),
        # 2. Their offsets, commit marks and open intervals are forgotten: the next owner
        #    rebuilds the intervals from the committed offsets.
        scorer.forget_revoked,
        # 3. The incident datasets of revoked inputs partitions are no longer this worker's.
        *([incidents.revoked] if incidents else []),
    )
    engine.on_assigned(
        # 1. Models of partitions no longer held are dropped.
        forget_unassigned,
        # 2. Every incident dataset is ticked at once, so new owners pick up their work.
        *([incidents.assigned] if incidents else []),
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
    engine: FaustEngine, settings: WorkerSettings, handler: MetricEventHandler
) -> tuple[dict[str, SeriesSnapshotter], list[ChangelogStore]]:
    """One changelog-backed RocksDB table of model snapshots per input topic (its
    snapshotter, by topic, and the tables).

    Series are snapshotted on their schedule after the batch that scored them, and every
    dirty one on rebalance and shutdown; a series first seen starts from its snapshot.
    """
    snapshotters: dict[str, SeriesSnapshotter] = {}
    stores: list[ChangelogStore] = []
    for index, topic in enumerate(handler.topics):
        store = engine.store(
            snapshot_table_name(index),
            source_topic=topic,
            partitions=settings.topic_partitions,
            history=settings.snapshot_history,
        )
        snapshotter = snapshotters[topic] = SeriesSnapshotter(
            store,
            SnapshotScheduler(settings.snapshot_interval_s),
            handler.series_state,
            on_forget=handler.forget,
        )
        store.flush_dirty_with(snapshotter.flush)
        stores.append(store)
    for runtime in handler.datasets:
        runtime.restore_from(snapshotters[runtime.dataset.source.topic].store.history)
    return snapshotters, stores


def broker_url(bootstrap_servers: str) -> str:
    """faust's form of a bootstrap list: `kafka://host:port;host:port`."""
    hosts = [host.strip() for host in bootstrap_servers.split(",") if host.strip()]
    return "kafka://" + ";".join(hosts)
