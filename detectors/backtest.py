"""The file backtest: every row of a CSV through a fresh per-series model, in file order.

Pure Python and no Kafka, so the CLI, the benchmarks and the tests run the very code the stream
processor runs (`SeriesModel.process`), one row at a time, scoring each row before learning it:
no row ever sees a later one.

A bad row (unparseable time, a measure that is not a finite number, a missing column) is counted
by reason, remembered with its line number for the report, and skipped: the models never see
it, but it still gets its output row, whose explanation says why, so that the output has
exactly one row per input row.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from detectors.backtest_io import CsvInput, CsvRecord, TimeParseError, parse_time
from detectors.series_model import SeriesModel, SeriesModelSettings, Verdict
from schemas.errors import ConfigError, DetectorInputError

__all__ = [
    "Backtest",
    "BacktestColumns",
    "BacktestRow",
    "BadRows",
    "ProgressCallback",
    "backtest_file",
]

ProgressCallback = Callable[[int, float], None]
"""Called now and then during a run with the rows read so far and the seconds elapsed."""

# Checking the clock on every row would cost more than the progress line is worth.
_PROGRESS_CHECK_EVERY = 1024

_OUTPUT_FIXED_COLUMNS = ("score", "severity", "is_anomaly", "explanation")


@dataclass(frozen=True, slots=True)
class BacktestColumns:
    """Which input columns hold the time, the measures, the series' dimensions.

    `carry` columns are read and handed back untouched on each row (a label column, say);
    they are never shown to the model.
    """

    time_column: str
    measures: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    carry: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.measures:
            raise ConfigError("at least one measure column is needed")
        roles = [("time", (self.time_column,)), ("measure", self.measures)]
        roles.append(("dimension", self.dimensions))
        seen: dict[str, str] = {}
        for role, names in roles:
            for name in names:
                if not name:
                    raise ConfigError(f"a {role} column name is empty")
                if name in seen:
                    raise ConfigError(
                        f"column {name!r} is named twice (as {seen[name]} and as {role})"
                    )
                seen[name] = role
        clashes = sorted(set(self.dimensions) & {"timestamp", *_OUTPUT_FIXED_COLUMNS})
        if clashes:
            raise ConfigError(
                f"dimension column(s) {clashes} would clash with the output's own columns"
            )

    def output_header(self) -> list[str]:
        """`timestamp`, the dimensions, `score`, `severity`, `is_anomaly`, `explanation`."""
        return ["timestamp", *self.dimensions, *_OUTPUT_FIXED_COLUMNS]


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

    def output_fields(self) -> list[str | int]:
        """The output CSV row (see `BacktestColumns.output_header`)."""
        if self.verdict is None:
            return [self.timestamp, *self.dimensions, "", "", 0, f"skipped: {self.skipped}"]
        verdict = self.verdict
        return [
            self.timestamp,
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


class Backtest:
    """Runs rows through one fresh `SeriesModel` per series (per distinct dimension values)."""

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
        self.models: dict[tuple[str, ...], SeriesModel] = {}

    def run(self, header: Sequence[str], records: Iterable[CsvRecord]) -> Iterator[BacktestRow]:
        """One `BacktestRow` per record, lazily and in order. Unknown columns fail at once."""
        position = self._positions(header)
        time_at = position[self.columns.time_column]
        measures_at = [(name, position[name]) for name in self.columns.measures]
        dimensions_at = [position[name] for name in self.columns.dimensions]
        carry_at = [position[name] for name in self.columns.carry]
        width = len(header)
        started = time.monotonic()
        last_report = started
        for line, fields, problem in records:
            self.rows_read += 1
            if self.on_progress is not None and self.rows_read % _PROGRESS_CHECK_EVERY == 0:
                now = time.monotonic()
                if now - last_report >= self.progress_seconds:
                    last_report = now
                    self.on_progress(self.rows_read, now - started)
            timestamp = fields[time_at] if time_at < len(fields) else ""
            dimensions = tuple(fields[i] if i < len(fields) else "" for i in dimensions_at)
            carried = tuple(fields[i] if i < len(fields) else "" for i in carry_at)
            at: datetime | None = None
            try:
                if problem is not None:
                    raise _Skip("malformed CSV", problem)
                if len(fields) != width:
                    raise _Skip(
                        "missing column" if len(fields) < width else "extra fields",
                        f"{len(fields)} fields where the header has {width}",
                    )
                try:
                    at = parse_time(timestamp)
                except TimeParseError as error:
                    raise _Skip("unparseable time", str(error)) from None
                measures = {name: _measure(name, fields[i]) for name, i in measures_at}
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
            yield BacktestRow(line, timestamp, at, dimensions, carried, verdict, None)

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


def backtest_file(path: Path, backtest: Backtest) -> Iterator[BacktestRow]:
    """`backtest.run` over a CSV file, streamed; the file is closed when the rows run out."""
    with CsvInput(path) as source:
        yield from backtest.run(source.header, source.records())
