"""The file backtest: every row of a CSV through a fresh per-series model, a series at a time
in time order.

Pure Python and no Kafka, so the CLI, the benchmarks and the tests run the very code the stream
processor runs (`SeriesModel.process`), one row at a time, scoring each row before learning it:
no row ever sees a later one.

`backtest_file` puts a series' rows that are out of time order in order (stable, in the slots
the series holds in the file) unless told to keep the file's order; `Backtest.run` scores rows
in the order it is given them.

A bad row (unparseable time, a time in another format than the file's, a measure that is not a
finite number, a missing column) is counted by reason, remembered with its line number for the
report, and skipped: the models never see it, but it still gets its output row, whose
explanation says why, so that the output has exactly one row per input row.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dexwatch.detectors.series_model import SeriesModel, SeriesModelSettings, Verdict
from dexwatch.schemas.errors import ConfigError, DetectorInputError
from dexwatch.tabular.column_shape import ColumnShape
from dexwatch.tabular.columns import BacktestColumns, default_measures
from dexwatch.tabular.csv_input import CsvInput, CsvRecord, TimeParseError, count_data_lines
from dexwatch.tabular.row_order import LateRows, OrderKey, RowOrder, sorted_per_series
from dexwatch.tabular.time_format import FileTimes, MixedTimeFormatError

__all__ = [
    "Backtest",
    "BacktestColumns",
    "BacktestRow",
    "BadRows",
    "ProgressCallback",
    "backtest_file",
    "default_measures",
]

ProgressCallback = Callable[[int, float], None]
"""Called now and then during a run with the rows read so far and the seconds elapsed
(`Backtest.rows_total`, when known, is what they are out of)."""

# Checking the clock on every row would cost more than the progress line is worth.
_PROGRESS_CHECK_EVERY = 1024


@dataclass(frozen=True, slots=True)
class BacktestRow:
    """One input row's outcome: its verdict, or why it was skipped (then `verdict` is None)."""

    line: int
    timestamp: str
    time: datetime | None
    dimensions: tuple[str, ...]
    carried: tuple[str, ...]
    verdict: Verdict | None
    skipped: str | None

    @property
    def score(self) -> float:
        """The verdict's score; 0.0 (nothing to report) for a skipped row."""
        return self.verdict.score if self.verdict is not None else 0.0

    @property
    def is_anomaly(self) -> bool:
        return self.verdict is not None and self.verdict.is_anomaly

    @property
    def output_time(self) -> str:
        """The time in ISO 8601 UTC (`2014-07-01T00:00:00Z`), or the file's text when the time
        could not be read."""
        if self.time is None:
            return self.timestamp
        text = self.time.astimezone(UTC).isoformat()
        return text.removesuffix("+00:00") + "Z"

    def output_fields(self) -> list[str | int]:
        """The output CSV row (see `BacktestColumns.output_header`)."""
        if self.verdict is None:
            return [self.output_time, *self.dimensions, "", "", 0, f"skipped: {self.skipped}"]
        verdict = self.verdict
        return [
            self.output_time,
            *self.dimensions,
            f"{verdict.score:.6f}",
            verdict.severity,
            int(verdict.is_anomaly),
            verdict.explain(),
        ]


@dataclass
class BadRows:
    """Skipped rows: how many for each kind of problem, and the first few with line numbers."""

    max_examples: int = 5
    by_kind: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def add(self, line: int, kind: str, reason: str) -> None:
        self.by_kind[kind] += 1
        if len(self.examples) < self.max_examples:
            self.examples.append((line, reason))

    def summary(self) -> str:
        """E.g. `3 bad rows skipped (unparseable time: 2, non-numeric measure: 1)`."""
        if not self.total:
            return "no bad rows"
        kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(self.by_kind.items()))
        return f"{self.total} bad row(s) skipped ({kinds})"


class _Skip(Exception):
    """This row is bad, for `reason` (of kind `kind`); caught in `run`, never escapes."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each column the run reads sits in the header."""

    time_at: int
    measures_at: list[tuple[str, int]]
    dimensions_at: list[int]
    carry_at: list[int]
    width: int


class Backtest:
    """Runs rows through one fresh `SeriesModel` per series (per distinct dimension values).

    Read after (or during) a run: `rows_read`, `rows_scored`, `rows_warming_up` (scored, but
    the verdict was still warming up), `bad_rows`, `times` (the file's time format), `order`
    (rows out of time order, and whether they were sorted); from `backtest_file`, `rows_total`
    (what `rows_read` is out of) and `delimiter`.
    """

    def __init__(
        self,
        columns: BacktestColumns,
        settings: SeriesModelSettings,
        *,
        on_progress: ProgressCallback | None = None,
        progress_seconds: float = 5.0,
    ) -> None:
        self.columns = columns
        self.settings = settings
        self.on_progress = on_progress
        self.progress_seconds = progress_seconds
        self.bad_rows = BadRows()
        self.rows_read = 0
        self.rows_total: int | None = None
        self.delimiter: str | None = None
        self.rows_warming_up = 0
        self.times = FileTimes()
        self.order = RowOrder()
        self.models: dict[tuple[str, ...], SeriesModel] = {}
        self._late = LateRows()

    @property
    def rows_scored(self) -> int:
        """Rows the models saw (warming up or not): the rows read less the bad ones."""
        return self.rows_read - self.bad_rows.total

    def run(self, header: Sequence[str], records: Iterable[CsvRecord]) -> Iterator[BacktestRow]:
        """One `BacktestRow` per record, lazily and in order. Unknown columns fail at once."""
        layout = self._layout(header)
        started = time.monotonic()
        last_report = started
        for line, fields, problem in records:
            self.rows_read += 1
            if self.on_progress is not None and self.rows_read % _PROGRESS_CHECK_EVERY == 0:
                now = time.monotonic()
                if now - last_report >= self.progress_seconds:
                    last_report = now
                    self.on_progress(self.rows_read, now - started)
            timestamp = fields[layout.time_at] if layout.time_at < len(fields) else ""
            dimensions = tuple(fields[i] if i < len(fields) else "" for i in layout.dimensions_at)
            carried = tuple(fields[i] if i < len(fields) else "" for i in layout.carry_at)
            at: datetime | None = None
            try:
                if problem is not None:
                    raise _Skip("malformed CSV", problem)
                if len(fields) != layout.width:
                    raise _Skip(
                        "missing column" if len(fields) < layout.width else "extra fields",
                        f"{len(fields)} fields where the header has {layout.width}",
                    )
                at = self._time(timestamp, line)
                if self._late.see(dimensions, at):
                    self.order.out_of_order += 1
                measures = {name: _measure(name, fields[i]) for name, i in layout.measures_at}
                model = self.models.get(dimensions)
                if model is None:
                    model = self.models[dimensions] = SeriesModel(self.settings)
                try:
                    verdict = model.process(measures, at)
                except DetectorInputError as error:
                    raise _Skip("rejected by the model", str(error)) from None
            except _Skip as skip:
                self.bad_rows.add(line, skip.kind, f"line {line}: {skip.reason}")
                yield BacktestRow(line, timestamp, at, dimensions, carried, None, skip.reason)
                continue
            if verdict.warming_up:
                self.rows_warming_up += 1
            yield BacktestRow(line, timestamp, at, dimensions, carried, verdict, None)

    def check_order(self, header: Sequence[str], records: Iterable[CsvRecord]) -> None:
        """Reads the records without scoring them: their count into `rows_total`, the rows out
        of time order into `order.out_of_order`; the file's time format is fixed here."""
        layout = self._layout(header)
        late = LateRows()
        total = 0
        for record in records:
            total += 1
            key = self._order_key(layout, record)
            if key is not None and late.see(*key):
                self.order.out_of_order += 1
        self.rows_total = total

    def sort_per_series(
        self, header: Sequence[str], records: Sequence[CsvRecord]
    ) -> list[CsvRecord]:
        """`records` with each series in time order (see `sorted_per_series`)."""
        layout = self._layout(header)
        keys = [self._order_key(layout, record) for record in records]
        self.order.sorted = True
        return sorted_per_series(records, keys)

    def _order_key(self, layout: _Layout, record: CsvRecord) -> OrderKey:
        line, fields, problem = record
        if problem is not None or len(fields) != layout.width:
            return None
        try:
            at = self.times.read(fields[layout.time_at], line)
        except TimeParseError:
            return None
        return tuple(fields[i] for i in layout.dimensions_at), at

    def _time(self, text: str, line: int) -> datetime:
        try:
            return self.times.read(text, line)
        except MixedTimeFormatError as error:
            raise _Skip("mixed time formats", str(error)) from None
        except TimeParseError as error:
            raise _Skip("unparseable time", str(error)) from None

    def _layout(self, header: Sequence[str]) -> _Layout:
        position = self._positions(header)
        return _Layout(
            time_at=position[self.columns.time_column],
            measures_at=[(name, position[name]) for name in self.columns.measures],
            dimensions_at=[position[name] for name in self.columns.dimensions],
            carry_at=[position[name] for name in self.columns.carry],
            width=len(header),
        )

    def _positions(self, header: Sequence[str]) -> dict[str, int]:
        position: dict[str, int] = {}
        for index, name in enumerate(header):
            position.setdefault(name, index)
        wanted = [
            (self.columns.time_column, "time column"),
            *((name, "measure") for name in self.columns.measures),
            *((name, "dimension") for name in self.columns.dimensions),
            *((name, "column") for name in self.columns.carry),
        ]
        for name, role in wanted:
            if name not in position:
                raise ConfigError(f"{role} {name!r} is not in the header; the columns are {header}")
        return position


def _measure(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Skip("non-numeric measure", f"measure {name!r} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise _Skip("non-finite measure", f"measure {name!r} is {text.strip()}, not finite")
    return value


def backtest_file(
    path: Path,
    backtest: Backtest,
    *,
    delimiter: str | None = None,
    keep_order: bool = False,
    shape: ColumnShape | None = None,
) -> Iterator[BacktestRow]:
    """`backtest.run` over a CSV file; the file is closed when the rows run out.

    `delimiter` None finds it among `,` `;` and tab. By default the file is read once first to
    count its rows and check their order; a file with rows out of time order within a series
    is then held in memory and each series sorted (`Backtest.sort_per_series`), an ordered file
    streamed. `keep_order` streams the rows in file order (NAB scores its files so), their
    count taken from the file's lines. `shape` renames columns and adds constant ones.
    """
    if keep_order:
        backtest.rows_total = count_data_lines(path)
        with CsvInput(path, delimiter, shape) as source:
            backtest.delimiter = source.delimiter
            yield from backtest.run(source.header, source.records())
        return
    with CsvInput(path, delimiter, shape) as source:
        delimiter = backtest.delimiter = source.delimiter
        backtest.check_order(source.header, source.records())
    with CsvInput(path, delimiter, shape) as source:
        records: Iterable[CsvRecord] = source.records()
        if backtest.order.out_of_order:
            records = backtest.sort_per_series(source.header, list(records))
        yield from backtest.run(source.header, records)
