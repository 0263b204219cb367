"""Backtests of whole files, in worker processes: what the detector said about each row.

A file's time column is `timestamp` and every other column is a measure, one series per file:
what a new user does with a CSV. A corpus whose files hold their labels (SKAB's `anomaly`)
names those columns, and they are not measures. The detection step gets only the file's
measures; labels are applied afterwards, by the corpus that asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dexwatch.detectors.backtest import Backtest, BacktestColumns
from dexwatch.detectors.evaluation.labels import nab_key
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.tabular.csv_input import CsvInput

__all__ = [
    "DEFAULT_COLUMNS",
    "TIME_COLUMN",
    "FileColumns",
    "FileRun",
    "OnDone",
    "detect_all",
    "detect_file",
]

TIME_COLUMN = "timestamp"

OnDone = Callable[["FileRun", int, int], None]
"""Called in the parent as each file finishes: the run, files done so far, files in all."""


@dataclass(frozen=True, slots=True)
class FileColumns:
    """A file's time column and its label columns; every other column is a measure."""

    time: str = TIME_COLUMN
    labels: tuple[str, ...] = ()

    def measures(self, header: Sequence[str]) -> tuple[str, ...]:
        return tuple(name for name in header if name != self.time and name not in self.labels)


DEFAULT_COLUMNS = FileColumns()


@dataclass(frozen=True, slots=True)
class FileRun:
    """One file's outcome, row by row in file order."""

    path: Path
    scores: list[float]
    times: list[datetime | None]
    alerts: list[int]
    """Rows whose verdict `is_anomaly` (the model's own `alert_threshold`)."""
    warming_up: int
    """Rows whose verdict was `warming_up`: rows without a verdict."""
    bad_rows: int
    seconds: float
    measures: tuple[str, ...] = ()
    """The columns the model saw, in header order."""

    @property
    def key(self) -> str:
        """`windows.json`'s key: the last two path parts, `dex/curve_mim.csv`."""
        return nab_key(self.path)

    @property
    def rows(self) -> int:
        return len(self.scores)

    def alert_times(self) -> list[datetime]:
        return [at for at in (self.times[row] for row in self.alerts) if at is not None]

    def span(self) -> timedelta:
        """From the earliest row's time to the latest's (zero for fewer than two)."""
        known = [at for at in self.times if at is not None]
        return max(known) - min(known) if known else timedelta(0)


def detect_file(
    path: Path, settings: SeriesModelSettings, columns: FileColumns = DEFAULT_COLUMNS
) -> FileRun:
    """A fresh model over `path`'s rows, in file order; the only input is the file's measures."""
    started = time.monotonic()
    scores: list[float] = []
    times: list[datetime | None] = []
    alerts: list[int] = []
    warming_up = 0
    with CsvInput(path) as source:
        measures = columns.measures(source.header)
        backtest = Backtest(BacktestColumns(columns.time, measures), settings)
        for row, outcome in enumerate(backtest.run(source.header, source.records())):
            scores.append(outcome.score)
            times.append(outcome.time)
            if outcome.is_anomaly:
                alerts.append(row)
            if outcome.verdict is not None and outcome.verdict.warming_up:
                warming_up += 1
    seconds = time.monotonic() - started
    bad_rows = backtest.bad_rows.total
    return FileRun(path, scores, times, alerts, warming_up, bad_rows, seconds, measures)


def detect_all(
    paths: Sequence[Path],
    settings: SeriesModelSettings,
    workers: int,
    on_done: OnDone | None = None,
    columns: FileColumns = DEFAULT_COLUMNS,
) -> list[FileRun]:
    """Every file, `workers` processes at a time; the runs come back sorted by key."""
    # Largest files first, so that the workers finish at about the same time.
    ordered = sorted(paths, key=lambda path: -path.stat().st_size)
    runs: list[FileRun] = []

    def done(run: FileRun) -> None:
        runs.append(run)
        if on_done is not None:
            on_done(run, len(runs), len(ordered))

    if workers <= 1:
        for path in ordered:
            done(detect_file(path, settings, columns))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(detect_file, path, settings, columns) for path in ordered]
            try:
                for future in as_completed(futures):
                    done(future.result())
            except BaseException:
                # A failed file (or Ctrl-C) should not wait for the queue behind it.
                for future in futures:
                    future.cancel()
                raise
    return sorted(runs, key=lambda run: run.key)
