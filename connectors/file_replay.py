"""Metric events read from a file (CSV or JSON lines), checked row by row, for `dexwatch replay`.

Pure reading and validation, no Kafka: `read_events` yields `(line, MetricEvent)` in file order
and hands every bad row to a callback as a `RejectedRow` (line number, a bounded kind, a reason
for people, the row's text) instead of stopping, so one bad row never ends a replay.

- **JSON lines:** each non-blank line is one metric event, exactly as producers send them
  (`schemas.metric_event.MetricEvent`); its own `source` and `event_id` are kept.
- **CSV:** a header row, then one event per row: `time_column` holds the event time (ISO 8601,
  naive meaning UTC, or a Unix time in s/ms/us/ns by size, as `dexwatch backtest` reads it;
  fields split by `,` `;` or tab, found from the first lines), `dimensions` name the
  series, `measures` are numbers (by default every other column), and `source` is one name for
  the whole file.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from detectors.backtest_io import CsvInput, TimeParseError, parse_time
from schemas.codec import decode, describe_validation_error
from schemas.errors import ConfigError, DexwatchError, SchemaError
from schemas.metric_event import MetricEvent

__all__ = [
    "FORMATS",
    "CsvLayout",
    "RejectTally",
    "RejectedRow",
    "ReplayFormat",
    "detect_format",
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
_TEXT_LIMIT = 1000  # characters of a bad row kept for the rejects file


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that is not a valid metric event. `kind` is a short code from a closed set:
    `malformed_csv`, `wrong_field_count`, `invalid_time`, `invalid_measure`, `invalid_event`
    (CSV), `invalid_json`, `invalid_schema` (JSON lines)."""

    line: int
    kind: str
    reason: str
    text: str


@dataclass
class RejectTally:
    """Bad rows counted by kind: what the summary at the end of a replay says."""

    by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def add(self, row: RejectedRow) -> None:
        self.by_kind[row.kind] += 1

    def summary(self) -> str:
        """E.g. `3 bad rows (invalid_json: 1, invalid_time: 2)`, or `no bad rows`."""
        if not self.total:
            return "no bad rows"
        kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(self.by_kind.items()))
        return f"{self.total} bad row(s) ({kinds})"


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """Which CSV columns make an event; empty `measures` means every other column."""

    time_column: str = "timestamp"
    dimensions: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    source: str = "replay"


class _Bad(Exception):
    """This row is bad; caught in the reader, never escapes it."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def detect_format(path: Path) -> ReplayFormat:
    """The format a file's name says (`.csv`; `.jsonl`, `.ndjson`, `.json`), or `ConfigError`."""
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise ConfigError(
            f"cannot tell the format of {path} from its name (expected .csv, .jsonl, .ndjson "
            "or .json): give --format csv or --format jsonl"
        )
    return found


def read_events(
    path: Path,
    file_format: ReplayFormat,
    on_reject: Callable[[RejectedRow], None],
    layout: CsvLayout | None = None,
) -> Iterator[tuple[int, MetricEvent]]:
    """`(line, event)` for each valid row in file order; each bad row goes to `on_reject`.

    Raises `DexwatchError` only for the file as a whole (unreadable, no CSV header, a column
    of `layout` missing from the header).
    """
    if file_format == "csv":
        return _csv_events(path, layout or CsvLayout(), on_reject)
    return _jsonl_events(path, on_reject)


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
                on_reject(RejectedRow(line, error.kind, error.reason, text[:_TEXT_LIMIT]))


def _csv_events(
    path: Path, layout: CsvLayout, on_reject: Callable[[RejectedRow], None]
) -> Iterator[tuple[int, MetricEvent]]:
    with CsvInput(path) as source:
        header = source.header
        position = _positions(path, header, layout)
        measures = layout.measures or tuple(
            name for name in header if name not in {layout.time_column, *layout.dimensions}
        )
        _check_names(layout, measures)
        time_at = position[layout.time_column]
        dimensions_at = [(name, position[name]) for name in layout.dimensions]
        measures_at = [(name, position[name]) for name in measures]
        for line, fields, problem in source.records():
            try:
                if problem is not None:
                    raise _Bad("malformed_csv", problem)
                if len(fields) != len(header):
                    raise _Bad(
                        "wrong_field_count",
                        f"{len(fields)} fields where the header has {len(header)}",
                    )
                try:
                    event_time = parse_time(fields[time_at])
                except TimeParseError as error:
                    raise _Bad("invalid_time", str(error)) from None
                event = _event(
                    event_time,
                    layout.source,
                    {name: fields[at] for name, at in dimensions_at},
                    {name: _number(name, fields[at]) for name, at in measures_at},
                )
            except _Bad as bad:
                on_reject(RejectedRow(line, bad.kind, bad.reason, _csv_text(fields)))
                continue
            yield line, event


def _positions(path: Path, header: Sequence[str], layout: CsvLayout) -> dict[str, int]:
    position: dict[str, int] = {}
    for index, name in enumerate(header):
        position.setdefault(name, index)
    wanted = [
        (layout.time_column, "time column"),
        *((name, "dimension") for name in layout.dimensions),
        *((name, "measure") for name in layout.measures),
    ]
    for name, role in wanted:
        if name not in position:
            raise ConfigError(f"{path}: {role} {name!r} is not in the header {list(header)}")
    return position


def _check_names(layout: CsvLayout, measures: Sequence[str]) -> None:
    """Column names that cannot be dimension or measure names would fail every row: fail once."""
    if not measures:
        raise ConfigError("no measure column: name them with --measures")
    named = [layout.time_column, *layout.dimensions, *measures]
    twice = sorted({name for name in named if named.count(name) > 1})
    if twice:
        raise ConfigError(f"column(s) {twice} named twice (time, dimension or measure)")
    try:
        MetricEvent(
            event_time=datetime(2026, 1, 1, tzinfo=UTC),
            source=layout.source,
            dimensions=dict.fromkeys(layout.dimensions, "x"),
            measures=dict.fromkeys(measures, 0.0),
        )
    except ValidationError as error:
        problem = describe_validation_error(error)
        raise ConfigError(f"the columns cannot make events: {problem}") from error


def _event(
    event_time: datetime, source: str, dimensions: dict[str, str], measures: dict[str, float]
) -> MetricEvent:
    try:
        return MetricEvent(
            event_time=event_time, source=source, dimensions=dimensions, measures=measures
        )
    except ValidationError as error:
        raise _Bad("invalid_event", describe_validation_error(error)) from None


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Bad("invalid_measure", f"measure {name!r} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise _Bad("invalid_measure", f"measure {name!r} is {text.strip()}, not a finite number")
    return value


def _csv_text(fields: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    return buffer.getvalue()[:_TEXT_LIMIT]
