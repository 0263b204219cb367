"""Argument types and options shared by the commands (`simulate`, `replay`, `backtest`).

Each `type=` function says what it expected and what it got, so a bad argument reads as
`argument --pools: expected an integer from 1 to 1000, got '0'`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from dexwatch.messaging.kafka_settings import DEFAULT_BOOTSTRAP_SERVERS, KafkaSettings
from dexwatch.streams.settings_loading import load_settings
from dexwatch.tabular.column_shape import ColumnShape
from dexwatch.tabular.csv_input import TimeParseError, parse_time

__all__ = [
    "add_bootstrap_servers",
    "add_column_shaping",
    "column_list",
    "column_shape",
    "delimiter",
    "existing_file",
    "existing_path",
    "int_between",
    "kafka_settings",
    "non_negative_float",
    "positive_float",
    "time_argument",
]


def add_bootstrap_servers(parser: argparse.ArgumentParser) -> None:
    """`--bootstrap-servers`; not given, `kafka_settings` takes the environment's."""
    parser.add_argument(
        "--bootstrap-servers",
        help="Kafka bootstrap servers (default: $DEXWATCH_BOOTSTRAP_SERVERS or "
        f"{DEFAULT_BOOTSTRAP_SERVERS})",
    )


def kafka_settings(args: argparse.Namespace) -> KafkaSettings:
    """The environment's `KafkaSettings` under `--bootstrap-servers`; a bad value raises
    `ConfigError` naming it."""
    given = {"bootstrap_servers": args.bootstrap_servers} if args.bootstrap_servers else {}
    return load_settings(KafkaSettings, **given)


def int_between(low: int, high: int | None) -> Callable[[str], int]:
    """An argparse `type=` that accepts integers in [low, high] and says so otherwise."""
    expected = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


def non_negative_float(text: str) -> float:
    """A finite number >= 0, where 0 means "as fast as possible"."""
    return _finite(text, 0.0, "a finite number >= 0 (0 means as fast as possible)")


def positive_float(text: str) -> float:
    """A finite number > 0 (a speed factor, a rate)."""
    return _finite(text, math.ulp(0.0), "a finite number > 0")


def _finite(text: str, low: float, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < low:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def existing_file(text: str) -> Path:
    """A path to a file that exists."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"expected an existing file, got {text!r}")
    return path


def existing_path(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"expected an existing file or folder, got {text!r}")
    return path


def column_list(text: str) -> tuple[str, ...]:
    """Comma-separated column names, none empty."""
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated column names like a,b, got {text!r}"
        )
    return names


def column_rename(text: str) -> tuple[str, str]:
    """`NAME IN FILE=NEW_NAME` (split at the last `=`: the new name holds none)."""
    old, equals, new = text.rpartition("=")
    if not equals or not old.strip() or not new.strip():
        raise argparse.ArgumentTypeError(
            f"expected NAME_IN_FILE=NEW_NAME, e.g. 'Virtual Price=virtual_price', got {text!r}"
        )
    return old.strip(), new.strip()


def constant_column(text: str) -> tuple[str, str]:
    """`NAME=VALUE` (split at the first `=`: the value may hold more)."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, e.g. pool=3pool, got {text!r}")
    return name.strip(), value


def add_column_shaping(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """`--rename OLD=NEW` and `--dimension NAME=VALUE`, both repeatable (CSV input)."""
    parser.add_argument(
        "--rename",
        type=column_rename,
        action="append",
        metavar="OLD=NEW",
        help="use column OLD of the header as NEW (repeatable); the other column options "
        "name columns after renaming",
    )
    parser.add_argument(
        "--dimension",
        type=constant_column,
        action="append",
        metavar="NAME=VALUE",
        help="a dimension with the same value on every row, e.g. pool=3pool (repeatable)",
    )


def column_shape(args: argparse.Namespace) -> ColumnShape:
    """The renames and constant dimensions of `add_column_shaping`'s options."""
    return ColumnShape(renames=tuple(args.rename or ()), constants=tuple(args.dimension or ()))


def delimiter(text: str) -> str:
    """One character that separates fields; `tab` or `\\t` for a tab."""
    if text in ("tab", "\\t"):
        return "\t"
    if len(text) != 1 or text in '"\r\n':
        raise argparse.ArgumentTypeError(
            f"expected one character such as , or ; (or 'tab'), got {text!r}"
        )
    return text


def time_argument(text: str) -> datetime:
    """An argparse `type=`: ISO 8601 (naive = UTC) or epoch seconds."""
    try:
        return parse_time(text)
    except TimeParseError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 time (naive means UTC) or epoch seconds, got {text!r}"
        ) from None


def add_topic_start(parser: argparse.ArgumentParser, topic_flag: str) -> None:
    """`--from-offset N | --from-time ISO`: where every partition of `topic_flag`'s topic starts."""
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--from-offset",
        type=int_between(0, None),
        metavar="N",
        help=f"with {topic_flag}: start every partition at offset N (default: the beginning)",
    )
    start.add_argument(
        "--from-time",
        type=time_argument,
        metavar="ISO",
        help=f"with {topic_flag}: start every partition at its first record stamped at or after "
        "ISO (Kafka record timestamps; naive means UTC)",
    )
