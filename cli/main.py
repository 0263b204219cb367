"""The `dexwatch` command: one sub-command per module in this package."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from dexwatch.schemas.errors import DexwatchError

__all__ = ["COMMANDS", "build_parser", "command_module", "main"]


# name -> (its module in this package, the line `dexwatch --help` shows). A module's
# `register(parser)` adds the command's description and arguments; only the chosen command's
# module is imported, so `dexwatch --help` loads no Kafka client, model or engine.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "run_command",
        "start a local broker, a worker and the DEX simulator; print anomalies (^C stops)",
    ),
    "kafka": ("kafka_command", "run a real local Apache Kafka broker (jars from Maven Central)"),
    "worker": ("worker_command", "run the stream processor: validate, score, publish anomalies"),
    "simulate": (
        "simulate_command",
        "stream simulated DEX pool metrics (with labelled anomalies) to Kafka",
    ),
    "replay": ("replay_command", "send metric events from a CSV or JSON lines file to a topic"),
    "connect": ("connect_command", "publish metrics from an outside source to Kafka"),
    "prime": (
        "prime_command",
        "teach the worker's models a dataset's history before the worker runs",
    ),
    "tail": (
        "tail_command",
        "print anomaly events (or, with --alerts, incidents) as they arrive",
    ),
    "sink": ("sink_command", "deliver incidents to Slack and to webhooks"),
    "console": (
        "console_command",
        "serve the anomalies, incidents and series over an HTTP API (and a page)",
    ),
    "feedback": (
        "feedback_command",
        "say whether an incident was relevant (tunes what alerts next)",
    ),
    "schemas": ("schemas_command", "work with the event schemas"),
    "backtest": (
        "backtest_command",
        "run a CSV file (or a topic's history) through the detector, a verdict per row",
    ),
}


def command_module(name: str) -> ModuleType:
    """The module of command `name` (imported now)."""
    return importlib.import_module(f"dexwatch.cli.{COMMANDS[name][0]}")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given `argv`, only the command it names gets its arguments
    (the others are listed by name and summary)."""
    parser = argparse.ArgumentParser(
        prog="dexwatch",
        description="Streaming anomaly detection on Apache Kafka, built for DeFi metrics.",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log (default: INFO)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = None if argv is None else next((a for a in argv if a in COMMANDS), "")
    for name, (_, summary) in COMMANDS.items():
        command = commands.add_parser(name, help=summary)
        if chosen is None or chosen == name:
            command_module(name).register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from dexwatch.cli.unknown_environment import warn_unknown_environment

    warn_unknown_environment(os.environ)
    try:
        code: int = args.handler(args)
    except DexwatchError as error:
        print(f"dexwatch {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `dexwatch tail | head`: the reader left; say nothing more (and no traceback at exit).
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - must outlive this function
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
