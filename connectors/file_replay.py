"""Metric events read from a file (CSV or JSON lines), checked row by row, for `dexwatch replay`.

Pure reading and validation, no Kafka: `open_events` checks what can be checked about the file
as a whole at once (before anything is sent), and its `events` yields `(line, MetricEvent)`,
handing every bad row to a callback as a `RejectedRow` (line number, a bounded kind, a reason
for people, the row's text) instead of stopping, so one bad row never ends a replay.

- **JSON lines:** each non-blank line is one metric event, exactly as producers send them
  (`schemas.metric_event.MetricEvent`); its own `source` and `event_id` are kept; file order.
- **CSV:** see `connectors.csv_events` (columns, renames, constant dimensions, time order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, Protocol

from dexwatch.connectors.csv_events import CsvEvents, CsvLayout
from dexwatch.connectors.rejected_rows import TEXT_LIMIT, RejectedRow, RejectTally
from dexwatch.schemas.codec import decode
from dexwatch.schemas.errors import ConfigError, DexwatchError, SchemaError
from dexwatch.schemas.metric_event import MetricEvent

__all__ = [
    "FORMATS",
    "CsvLayout",
    "EventFile",
    "RejectTally",
    "RejectedRow",
    "ReplayFormat",
    "detect_format",
    "open_events",
    "read_events",
]

ReplayFormat = Literal["csv", "jsonl"]
FORMATS: tuple[ReplayFormat, ...] = ("csv", "jsonl")
_SUFFIXES: dict[str, ReplayFormat] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


class EventFile(Protocol):
    """A file of events, checked as a whole: its rows, and what was done about their order."""

    def events(
        self, on_reject: Callable[[RejectedRow], None]
    ) -> Iterator[tuple[int, MetricEvent]]: ...

    def order_summary(self) -> str: ...


def detect_format(path: Path) -> ReplayFormat:
    """The format a file's name says (`.csv`; `.jsonl`, `.ndjson`, `.json`), or `ConfigError`."""
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise ConfigError(
            f"cannot tell the format of {path} from its name (expected .csv, .jsonl, .ndjson "
            "or .json): give --format csv or --format jsonl"
        )
    return found


def open_events(
    path: Path, file_format: ReplayFormat, layout: CsvLayout | None = None
) -> EventFile:
    """The file, checked now: `DexwatchError` when it cannot be read as a whole (unreadable,
    no CSV header, a column of `layout` missing or unusable as a name)."""
    if file_format == "csv":
        return CsvEvents(path, layout or CsvLayout())
    return _JsonLines(path)


def read_events(
    path: Path,
    file_format: ReplayFormat,
    on_reject: Callable[[RejectedRow], None],
    layout: CsvLayout | None = None,
) -> Iterator[tuple[int, MetricEvent]]:
    """`open_events(...).events(on_reject)`: the file is checked when this is called."""
    return open_events(path, file_format, layout).events(on_reject)


class _JsonLines:
    def __init__(self, path: Path) -> None:
        try:
            path.open("rb").close()  # unreadable: said now, before anything is sent
        except OSError as error:
            raise DexwatchError(f"cannot read {path}: {error.strerror or error}") from error
        self.path = path

    def events(self, on_reject: Callable[[RejectedRow], None]) -> Iterator[tuple[int, MetricEvent]]:
        return _jsonl_events(self.path, on_reject)

    def order_summary(self) -> str:
        return "JSON lines are sent in file order"


def _jsonl_events(
    path: Path, on_reject: Callable[[RejectedRow], None]
) -> Iterator[tuple[int, MetricEvent]]:
    try:
        source = path.open("rb")
    except OSError as error:
        raise DexwatchError(f"cannot read {path}: {error.strerror or error}") from error
    with source:
        for line, raw in enumerate(source, start=1):
            if not raw.strip():
                continue
            try:
                yield line, decode(MetricEvent, raw)
            except SchemaError as error:
                text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                on_reject(RejectedRow(line, error.kind, error.reason, text[:TEXT_LIMIT]))
