"""A CSV file's rows as metric events: the reader behind `dexwatch replay` (reusable as is).

A header row, then one event per row: `time_column` holds the event time (ISO 8601, naive
meaning UTC, or a Unix time in s/ms/us/ns by size, as `dexwatch backtest` reads it; fields split
by `,` `;` or tab, found from the first lines), `dimensions` name the series, `measures` are
numbers (by default every other column, as the backtest picks them), and `source` is one name
for the whole file. Columns can be renamed and constant dimensions added (`ColumnShape`).

Everything about the columns is checked when `CsvEvents` is made, before a single event is:
a missing column, a name that cannot be a measure or dimension name (with a `--rename` that
would fix it), a column named twice. A series' rows out of time order (a newest-first export)
are put in order, as the file backtest does (`tabular.row_order`), unless told to keep
the file's order; a bad row never stops the reading (it goes to `on_reject`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from dexwatch.connectors.rejected_rows import TEXT_LIMIT, RejectedRow
from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import ConfigError
from dexwatch.schemas.metric_event import MeasureName, MetricEvent
from dexwatch.tabular.column_shape import ColumnShape
from dexwatch.tabular.columns import default_measures
from dexwatch.tabular.csv_input import CsvInput, CsvRecord, TimeParseError, parse_time
from dexwatch.tabular.row_order import LateRows, OrderKey, sorted_per_series

__all__ = ["CsvEvents", "CsvLayout"]

_NAME = TypeAdapter(MeasureName)  # dimension names follow the same rule
_NAME_RULE = "a letter or _ first, then letters, digits, _ . or -, 64 at most"


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """Which CSV columns make an event; empty `measures` means every other column.

    Column names are those after `shape`'s renames; its constant columns are dimensions.
    `keep_order` sends rows in file order even where a series' times go back.
    """

    time_column: str = "timestamp"
    dimensions: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    source: str = "replay"
    shape: ColumnShape = field(default_factory=ColumnShape)
    keep_order: bool = False


class _Bad(Exception):
    """This row is bad; caught in the reader, never escapes it."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class CsvEvents:
    """A CSV file checked against `layout` (a `ConfigError` at once when it cannot work), then
    read by `events`. After reading: `out_of_order` (rows earlier than their series' latest
    before them) and `sorted` (whether they were put in order)."""

    def __init__(self, path: Path, layout: CsvLayout) -> None:
        self.path = path
        self.layout = layout
        with CsvInput(path, shape=layout.shape) as source:
            self.delimiter = source.delimiter
            self.header = source.header
        self.dimensions = tuple(dict.fromkeys((*layout.dimensions, *layout.shape.constant_names)))
        position = _positions(path, self.header, self.dimensions, layout)
        self.measures = layout.measures or default_measures(
            self.header, layout.time_column, self.dimensions
        )
        _check_names(layout, self.dimensions, self.measures)
        self._time_at = position[layout.time_column]
        self._dimensions_at = [(name, position[name]) for name in self.dimensions]
        self._measures_at = [(name, position[name]) for name in self.measures]
        self.out_of_order = 0
        self.sorted = False

    def events(self, on_reject: Callable[[RejectedRow], None]) -> Iterator[tuple[int, MetricEvent]]:
        """`(line, event)` for each valid row, each series in time order unless `keep_order`;
        each bad row goes to `on_reject`."""
        if not self.layout.keep_order:
            self._count_out_of_order()
        with CsvInput(self.path, self.delimiter, self.layout.shape) as source:
            records: Iterable[CsvRecord] = source.records()
            if self.out_of_order:
                # Held in memory only when needed: an ordered file is streamed.
                held = list(records)
                records = sorted_per_series(held, [self._order_key(record) for record in held])
                self.sorted = True
            for record in records:
                try:
                    event = self._event(record)
                except _Bad as bad:
                    text = _csv_text(self._as_in_file(record[1]))
                    on_reject(RejectedRow(record[0], bad.kind, bad.reason, text))
                    continue
                yield record[0], event

    def order_summary(self) -> str:
        """E.g. `9 row(s) out of time order: sorted per series (--keep-order sends them in file
        order)`, or `rows in time order`."""
        if self.layout.keep_order:
            return "rows sent in file order (--keep-order)"
        if not self.out_of_order:
            return "rows in time order"
        return (
            f"{self.out_of_order:,} row(s) out of time order: sorted per series "
            "(--keep-order sends them in file order)"
        )

    def _as_in_file(self, fields: list[str]) -> list[str]:
        # A row's fields without the constant columns the shape appended.
        added = len(self.layout.shape.constants)
        return fields[: len(fields) - added] if added and fields else fields

    def _count_out_of_order(self) -> None:
        late = LateRows()
        with CsvInput(self.path, self.delimiter, self.layout.shape) as source:
            for record in source.records():
                key = self._order_key(record)
                if key is not None and late.see(*key):
                    self.out_of_order += 1

    def _order_key(self, record: CsvRecord) -> OrderKey:
        _, fields, problem = record
        if problem is not None or len(fields) != len(self.header):
            return None  # a bad row stays where it is, and is reported when its turn comes
        try:
            at = parse_time(fields[self._time_at])
        except TimeParseError:
            return None
        return tuple(fields[at_] for _, at_ in self._dimensions_at), at

    def _event(self, record: CsvRecord) -> MetricEvent:
        _, fields, problem = record
        if problem is not None:
            raise _Bad("malformed_csv", problem)
        if len(fields) != len(self.header):
            added = len(self.layout.shape.constants)
            raise _Bad(
                "wrong_field_count",
                f"{len(fields) - added} fields where the header has {len(self.header) - added}",
            )
        try:
            event_time = parse_time(fields[self._time_at])
        except TimeParseError as error:
            raise _Bad("invalid_time", str(error)) from None
        try:
            return MetricEvent(
                event_time=event_time,
                source=self.layout.source,
                dimensions={name: fields[at] for name, at in self._dimensions_at},
                measures={name: _number(name, fields[at]) for name, at in self._measures_at},
            )
        except ValidationError as error:
            raise _Bad("invalid_event", describe_validation_error(error)) from None


def _positions(
    path: Path, header: Sequence[str], dimensions: Sequence[str], layout: CsvLayout
) -> dict[str, int]:
    position: dict[str, int] = {}
    for index, name in enumerate(header):
        position.setdefault(name, index)
    wanted = [
        (layout.time_column, "time column"),
        *((name, "dimension") for name in dimensions),
        *((name, "measure") for name in layout.measures),
    ]
    for name, role in wanted:
        if name not in position:
            raise ConfigError(f"{path}: {role} {name!r} is not in the header {list(header)}")
    return position


def _check_names(layout: CsvLayout, dimensions: Sequence[str], measures: Sequence[str]) -> None:
    """Column names that cannot be dimension or measure names would fail every row: fail once,
    saying how to rename them."""
    named = [layout.time_column, *dimensions, *measures]
    twice = sorted({name for name in named if named.count(name) > 1})
    if twice:
        raise ConfigError(f"column(s) {twice} named twice (time, dimension or measure)")
    bad = [name for name in (*dimensions, *measures) if not _valid_name(name)]
    if bad:
        fixes = " ".join(f"--rename '{name}={_name_for(name)}'" for name in bad)
        raise ConfigError(
            f"column name(s) {bad} cannot be dimension or measure names ({_NAME_RULE}); "
            f"rename them, e.g. {fixes}"
        )
    constants = dict(layout.shape.constants)
    try:
        MetricEvent(
            event_time=datetime(2026, 1, 1, tzinfo=UTC),
            source=layout.source,
            dimensions={name: constants.get(name, "x") for name in dimensions},
            measures=dict.fromkeys(measures, 0.0),
        )
    except ValidationError as error:
        problem = describe_validation_error(error)
        raise ConfigError(f"the columns cannot make events: {problem}") from error


def _valid_name(name: str) -> bool:
    try:
        _NAME.validate_python(name)
    except ValidationError:
        return False
    return True


def _name_for(name: str) -> str:
    """A valid name close to `name`: `Virtual Price` -> `virtual_price`."""
    text = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.strip()).strip("_").lower() or "column"
    return (text if re.match(r"[A-Za-z_]", text) else f"_{text}")[:64]


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
    return buffer.getvalue()[:TEXT_LIMIT]
