"""`dexwatch tail`: print anomaly events as they arrive."""

from __future__ import annotations

import argparse
import os
import time

from schemas.codec import encode
from streams.anomaly_reader import now_ms, read_anomalies
from streams.anomaly_text import describe_anomaly

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("tail", help="print anomaly events as they arrive")
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("DEXWATCH_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
    )
    parser.add_argument(
        "--topic", default=os.environ.get("DEXWATCH_ANOMALIES_TOPIC", "dexwatch.anomalies")
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
    for anomaly in read_anomalies(args.bootstrap_servers, args.topic, since):
        if anomaly is not None:
            print(encode(anomaly).decode() if args.json else describe_anomaly(anomaly), flush=True)
            printed += 1
            if args.max and printed >= args.max:
                break
        if deadline is not None and time.monotonic() > deadline:
            break
    return 0
