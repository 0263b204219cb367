"""Run the worker's faust app in this process until it is stopped (`dexwatch worker`)."""

from __future__ import annotations

import logging
from typing import Any

from faust.worker import Worker

from dexwatch.messaging.topic_creation import Replication, topic_policy_from_environment
from dexwatch.streams.engine.faust.app import create_app
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.settings import WorkerSettings

__all__ = ["declare_as_created", "run_worker"]


def run_worker(
    settings: WorkerSettings, handler: MetricEventHandler, replication: Replication
) -> None:
    """`replication`: what the worker's topics were created with (`ensure_topic_specs`)."""
    app = create_app(settings, handler=handler)
    declare_as_created(app, replication)
    worker = Worker(app, loglevel=logging.getLevelName(logging.getLogger().level), quiet=True)
    worker.execute_from_commandline()


def declare_as_created(app: Any, replication: Replication) -> None:
    """faust creates a topic it declares that does not exist (a table added later, say): with
    the replication `worker_topics` got rather than faust's default of 1, and not at all when
    `DEXWATCH_TOPICS__CREATE` is false. `app`: a `faust.App` not started yet."""
    app.conf.topic_replication_factor = replication.factor
    app.conf.topic_allow_declare = topic_policy_from_environment().create
