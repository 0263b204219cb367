"""The `dexwatch` command: one sub-command per module in this package."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from dexwatch.schemas.errors import DexwatchError

__all__ = ["build_parser", "main"]


def _command_modules() -> list[ModuleType]:
    # Imported here so `dexwatch --help` stays fast and one broken command cannot hide the rest.
    from dexwatch.cli import (
        backtest_command,
        connect_command,
        console_command,
        feedback_command,
        kafka_command,
        prime_command,
        replay_command,
        run_command,
        schemas_command,
        simulate_command,
        sink_command,
        tail_command,
        worker_command,
    )

    return [
        run_command,
        kafka_command,
        worker_command,
        simulate_command,
        replay_command,
        connect_command,
        prime_command,
        tail_command,
        sink_command,
        console_command,
        feedback_command,
        schemas_command,
        backtest_command,
    ]


def build_parser() -> argparse.ArgumentParser:
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
    for module in _command_modules():
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
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
