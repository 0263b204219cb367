"""`dexwatch worker`: the stream processor (settings from `DEXWATCH_*` variables)."""

from __future__ import annotations

import argparse
import logging

from dexwatch.cli.arguments import existing_path
from dexwatch.messaging.topics import ensure_topic_specs
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.settings_loading import load_settings
from dexwatch.streams.worker_topics import worker_topics

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Consume metric events, keep a model per series, produce anomaly events. "
        "Every setting comes from DEXWATCH_* environment variables; the options override."
    )
    parser.add_argument("--bootstrap-servers", help="Kafka host:port[,host:port]")
    parser.add_argument("--web-port", type=int, help="port of /metrics (default 6066)")
    parser.add_argument("--app-id", help="consumer group and faust application id")
    parser.add_argument(
        "--datasets",
        type=existing_path,
        metavar="PATH",
        help="a YAML file or folder of datasets (docs/datasets.md; default: score every event "
        "of DEXWATCH_METRICS_TOPIC on its own)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    overrides = {
        name: value
        for name, value in (
            ("bootstrap_servers", args.bootstrap_servers),
            ("web_port", args.web_port),
            ("app_id", args.app_id),
            ("datasets", args.datasets),
        )
        if value is not None
    }
    settings = load_settings(WorkerSettings, **overrides)
    handler = MetricEventHandler(settings, WorkerMetrics())  # bad datasets fail here
    replication = ensure_topic_specs(
        settings.bootstrap_servers, worker_topics(settings, handler.topics)
    )
    # Imported late: the engine is heavy, and the settings errors above should come first.
    from dexwatch.streams.engine.faust.worker import run_worker

    log.info(
        "worker %s: datasets %s from %s -> %s (dead letters: %s); metrics on http://%s:%d/metrics",
        settings.app_id,
        ", ".join(runtime.dataset.name for runtime in handler.datasets),
        ", ".join(handler.topics),
        settings.topics.anomalies,
        settings.topics.dead_letter,
        settings.web_bind,
        settings.web_port,
    )
    run_worker(settings, handler, replication)
    return 0
