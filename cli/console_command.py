"""`dexwatch console`: the store of anomalies, incidents and scores, and its HTTP API.

Settings come from `DEXWATCH_CONSOLE__*` (docs/console.md), topic names from the worker's own
settings (`DEXWATCH_ANOMALIES_TOPIC`, ...), Kafka from `DEXWATCH_BOOTSTRAP_SERVERS` and
`DEXWATCH_KAFKA__*`. A bad setting fails at start naming it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path
from typing import Any

from dexwatch.cli.arguments import add_bootstrap_servers, int_between
from dexwatch.console.service import ConsoleService
from dexwatch.console.settings import load_console_settings
from dexwatch.console.topics import ConsoleTopics
from dexwatch.messaging.topics import ensure_topics
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.settings_loading import load_settings

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Read the anomalies, alerts, scores, model-actions, feedback and "
        "incident-controls topics into an embedded store and serve them over an HTTP API "
        "under /api/v1 (OpenAPI at /api/v1/openapi.json). Needs a bearer token: "
        "DEXWATCH_CONSOLE__TOKEN (or _FILE). docs/console.md."
    )
    add_bootstrap_servers(parser)
    parser.add_argument("--port", type=int_between(0, 65535), help="default: 6068")
    parser.add_argument("--bind", help="default: 127.0.0.1 (loopback only)")
    parser.add_argument("--store", type=Path, help="the SQLite file (default: %(default)s)")
    parser.add_argument(
        "--datasets",
        type=Path,
        help="the worker's datasets file or folder, for backtests named after a dataset "
        "(default: $DEXWATCH_DATASETS)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {
        name: value
        for name, value in (("port", args.port), ("bind", args.bind), ("store_path", args.store))
        if value is not None
    }
    settings = load_console_settings(**overrides)
    given = {"bootstrap_servers": args.bootstrap_servers, "datasets": args.datasets}
    worker = load_settings(
        WorkerSettings, **{name: value for name, value in given.items() if value is not None}
    )
    dataset_settings = (
        {dataset.name: dataset.series_settings for dataset in worker.dataset_configs()}
        if worker.datasets is not None
        else {}
    )
    topics = ConsoleTopics.of(worker.topics, worker.topic_partitions)
    ensure_topics(
        worker.bootstrap_servers,
        [topic for topic in topics.read if topic != topics.incident_controls],
        topics.partitions,
        compacted=[topics.incident_controls],
    )
    asyncio.run(
        _serve(
            ConsoleService(
                settings,
                topics,
                worker.connection,
                dataset_settings,
                datasets=worker.datasets,
            )
        )
    )
    return 0


async def _serve(service: ConsoleService) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await service.start()
    stopped = asyncio.create_task(stop.wait())
    running = asyncio.create_task(service.wait())
    try:
        await asyncio.wait([stopped, running], return_when=asyncio.FIRST_COMPLETED)
        failed = running.done()  # it ended before being asked to: its error goes up
    finally:
        await service.stop()
        stopped.cancel()
        running.cancel()
    if failed:
        running.result()
    log.info("console stopped")
