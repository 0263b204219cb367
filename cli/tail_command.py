"""`dexwatch tail`: print anomaly events (or, with `--alerts`, incidents) as they arrive."""

from __future__ import annotations

import argparse
import time

from pydantic import BaseModel

from dexwatch.cli.arguments import add_bootstrap_servers, kafka_settings
from dexwatch.messaging.anomaly_reader import now_ms, read_events
from dexwatch.messaging.topic_names import DEFAULT_TOPICS
from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.anomaly_text import describe_anomaly
from dexwatch.schemas.codec import encode
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.incident_text import describe_incident

__all__ = ["register"]


def register(parser: argparse.ArgumentParser) -> None:
    add_bootstrap_servers(parser)
    parser.add_argument(
        "--alerts",
        action="store_true",
        help="print incidents from the alerts topic instead of anomalies",
    )
    parser.add_argument(
        "--topic",
        help=f"default: $DEXWATCH_ANOMALIES_TOPIC or {DEFAULT_TOPICS.anomalies} (with --alerts: "
        f"$DEXWATCH_ALERTS_TOPIC or {DEFAULT_TOPICS.alerts})",
    )
    parser.add_argument(
        "--from-beginning", action="store_true", help="also print earlier anomalies"
    )
    parser.add_argument("--json", action="store_true", help="print the events as JSON lines")
    parser.add_argument("--max", type=int, default=0, help="stop after this many (0: never)")
    parser.add_argument("--timeout", type=float, default=0, help="stop after S seconds (0: never)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.timeout if args.timeout > 0 else None
    printed = 0
    since = None if args.from_beginning else now_ms()
    model: type[BaseModel] = IncidentEvent if args.alerts else AnomalyEvent
    kafka = kafka_settings(args)
    topic = args.topic or (kafka.topics.alerts if args.alerts else kafka.topics.anomalies)
    for event in read_events(kafka.bootstrap_servers, topic, since, model):
        if event is not None:
            print(encode(event).decode() if args.json else _describe(event), flush=True)
            printed += 1
            if args.max and printed >= args.max:
                break
        if deadline is not None and time.monotonic() > deadline:
            break
    return 0


def _describe(event: BaseModel) -> str:
    if isinstance(event, IncidentEvent):
        return describe_incident(event)
    assert isinstance(event, AnomalyEvent)
    return describe_anomaly(event)
