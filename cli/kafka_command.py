"""`dexwatch kafka start|stop|status|fetch`: the local single-node broker."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings, ensure_jars
from dexwatch.streams.settings_loading import load_settings

__all__ = ["register", "settings_from_args"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Manage a single-node KRaft broker on loopback. Settings also come from "
        "DEXWATCH_KAFKA_* environment variables (VERSION, PORT, CONTROLLER_PORT, STATE_DIR, "
        "CACHE_DIR, HEAP)."
    )
    parser.add_argument(
        "action",
        choices=["start", "stop", "status", "fetch"],
        help="start (idempotent), stop (idempotent), status (exit 0 when running, 3 when "
        "not), fetch (only download the jars)",
    )
    add_broker_arguments(parser)
    parser.set_defaults(handler=_run)


def add_broker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, help="client port (default 9092)")
    parser.add_argument("--controller-port", type=int, help="KRaft controller port (default 9093)")
    parser.add_argument("--state-dir", type=Path, help="data, logs and pid file")


def settings_from_args(args: argparse.Namespace) -> LocalKafkaSettings:
    """Environment settings, overridden by whatever the command line gave."""
    overrides: dict[str, Any] = {
        name: value
        for name, value in (
            ("port", args.port),
            ("controller_port", args.controller_port),
            ("state_dir", args.state_dir),
        )
        if value is not None
    }
    return load_settings(LocalKafkaSettings, **overrides)


def _run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    broker = LocalKafkaBroker(settings)
    if args.action == "fetch":
        print(f"Kafka {settings.version} jars: {ensure_jars(settings.version, settings.libs_dir)}")
        return 0
    if args.action == "start":
        before = broker.status()
        status = broker.start()
        prefix = "already running" if before.running else "started"
        print(f"Kafka {prefix}: {status.describe()}")
        return 0
    if args.action == "stop":
        print("Kafka stopped" if broker.stop() else "Kafka was not running")
        return 0
    status = broker.status()
    print(f"Kafka {status.describe()}")
    return 0 if status.running else 3
