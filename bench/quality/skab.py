"""SKAB, the Skoltech Anomaly Benchmark: a multivariate corpus held out from development.

No default of the detector was chosen on SKAB, so it says how the detector does on multivariate
sensor data it has not seen: a water pump rig's 8 sensors (vibration, current, pressure,
temperatures, voltage, flow), 1-second rows, 34 files of about 20 minutes in `data/valve1`,
`data/valve2` and `data/other`, each with one labelled anomaly episode. Get SKAB
(`git clone https://github.com/waico/SKAB`), then:

    python -m bench.quality.skab SKAB_CHECKOUT [--set name=value ...] [--per-file]

Each file runs from a fresh model, rows in file order, through the same backtest engine as
`dexwatch backtest`, with `datetime` as the time and the 8 sensors as the measures; `anomaly`
and `changepoint` are labels, never measures, and are read only after the file is scored. An
alert is a row whose verdict `is_anomaly` (the model's own threshold: nothing is optimised on
the labels). Printed for the corpus and per folder: files, labelled episodes (maximal runs of
`anomaly` 1), episodes caught (an alert inside the episode's span, ends inclusive), median and
mean seconds from the episode's start to its first alert, false alarms as alert points outside
every episode and as episodes of them (alerts less than 60 s apart are one), and rows without
a verdict (warming up). `--per-file` adds a line per file. Then the wall time and the settings.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.quality.cli import (
    EXIT_MISSING_DATA,
    add_detector_options,
    print_progress,
    print_wall_time,
)
from bench.quality.data import MissingData, corpus_files, require
from bench.quality.runs import FileColumns, FileRun, OnDone, detect_all
from bench.quality.settings import describe_settings, detector_settings
from bench.quality.skab_tally import EPISODE_GAP, SkabFile, SkabTotals
from dexwatch.detectors.evaluation.labels import LabelError, TimeWindow
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.schemas.errors import DexwatchError
from dexwatch.tabular.csv_input import CsvInput, parse_time

__all__ = [
    "COLUMNS",
    "FOLDERS",
    "GET_SKAB",
    "detect_skab",
    "judge_runs",
    "label_windows",
    "main",
    "print_report",
    "skab_paths",
    "skab_totals",
]

FOLDERS = ("valve1", "valve2", "other")
"""SKAB's labelled folders, in its own order; `anomaly-free` has no labels and is left out."""
ANOMALY = "anomaly"
COLUMNS = FileColumns(time="datetime", labels=(ANOMALY, "changepoint"))
GET_SKAB = "get SKAB with `git clone https://github.com/waico/SKAB` and pass the checkout"


def skab_paths(checkout: Path) -> list[Path]:
    """The labelled files, folder by folder; `MissingData` when a folder or its files are absent."""
    data = require(checkout / "data", "SKAB data folder", hint=GET_SKAB)
    return [
        path
        for folder in FOLDERS
        for path in corpus_files(data / folder, "*.csv", f"SKAB {folder} folder", hint=GET_SKAB)
    ]


def detect_skab(
    checkout: Path,
    settings: SeriesModelSettings,
    *,
    workers: int,
    on_done: OnDone | None = None,
) -> list[FileRun]:
    """Every labelled file through a fresh model; nothing here reads a label."""
    return detect_all(skab_paths(checkout), settings, workers, on_done, COLUMNS)


def label_windows(path: Path) -> list[TimeWindow]:
    """Each maximal run of rows labelled `anomaly` 1, as (its first row's time, its last's)."""
    windows: list[TimeWindow] = []
    with CsvInput(path) as source:
        if COLUMNS.time not in source.header or ANOMALY not in source.header:
            raise LabelError(f"{path}: no {COLUMNS.time!r} or {ANOMALY!r} column")
        time_at, anomaly_at = source.header.index(COLUMNS.time), source.header.index(ANOMALY)
        run: TimeWindow | None = None
        for line, fields, problem in source.records():
            if problem is not None or len(fields) != len(source.header):
                raise LabelError(f"{path} line {line}: {problem or 'not one field per column'}")
            at = parse_time(fields[time_at])
            if _is_anomaly(fields[anomaly_at], path, line):
                run = (run[0] if run else at, at)
            elif run is not None:
                windows.append(run)
                run = None
        if run is not None:
            windows.append(run)
    return windows


def _is_anomaly(text: str, path: Path, line: int) -> bool:
    """SKAB writes its labels as `0.0` and `1.0`; anything else is a broken file, said so."""
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if value in (0.0, 1.0):
            return value == 1.0
    raise LabelError(f"{path} line {line}: {ANOMALY} is {text!r}, not 0 or 1")


def judge_runs(runs: Sequence[FileRun]) -> list[SkabFile]:
    """Each run against its file's labels (read now, after scoring), in SKAB's file order."""
    files = [
        SkabFile.judge(
            run.key,
            rows=run.rows,
            no_verdict=run.warming_up,
            alerts=run.alert_times(),
            windows=label_windows(run.path),
        )
        for run in runs
    ]
    return sorted(files, key=lambda file: _file_order(file.key))


def _file_order(key: str) -> tuple[int, int, str]:
    """`valve1/2.csv` before `valve1/10.csv`, and folders in SKAB's order."""
    folder, _, name = key.partition("/")
    stem = name.removesuffix(".csv")
    return (
        FOLDERS.index(folder) if folder in FOLDERS else len(FOLDERS),
        int(stem) if stem.isdigit() else -1,
        name,
    )


def skab_totals(files: Sequence[SkabFile]) -> list[SkabTotals]:
    """The whole corpus (`all`), then each folder."""
    return [
        SkabTotals.of("all", files),
        *(SkabTotals.of(name, [file for file in files if file.folder == name]) for name in FOLDERS),
    ]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_report(runs: Sequence[FileRun], files: Sequence[SkabFile], *, per_file: bool) -> None:
    print(
        f"SKAB ({len(files)} files): alert = verdict is_anomaly; an episode (a run of rows "
        f"labelled {ANOMALY} 1) is caught by an alert inside it; false alarms are alerts outside "
        f"every episode, as points and as episodes (alerts less than "
        f"{EPISODE_GAP.total_seconds():g} s apart are one)"
    )
    for measures in sorted({run.measures for run in runs}):
        labels = ", ".join(COLUMNS.labels)
        print(f"measures ({len(measures)}): {', '.join(measures)}; labels, not measures: {labels}")
    if per_file:
        _print_per_file(files)
    _print_totals(skab_totals(files))
    bad = sum(run.bad_rows for run in runs)
    if bad:
        print(f"({bad} bad rows were skipped: no verdict, no alert)")


def _print_per_file(files: Sequence[SkabFile]) -> None:
    print(
        f"\n  {'file':<14}{'rows':>7}{'no verdict':>12}{'episodes':>10}{'caught':>8}"
        f"  {'s to 1st alert':<16}{'false-alarm points':>20}{'episodes':>10}"
    )
    for file in files:
        delays = ", ".join(_number(seconds) for seconds in file.seconds) or "-"
        print(
            f"  {file.key:<14}{file.rows:>7,}{file.no_verdict:>12,}{len(file.episodes):>10}"
            f"{file.caught:>8}  {delays:<16}{file.false_alarm_points:>20,}"
            f"{file.false_alarm_episodes:>10,}"
        )


def _print_totals(totals: Sequence[SkabTotals]) -> None:
    print(
        f"\n  {'':<8}{'files':>6}{'rows':>8}{'no verdict':>12}{'episodes':>10}{'caught':>8}"
        f"{'s med.':>8}{'mean':>7}{'false-alarm points':>20}{'episodes':>10}"
    )
    for total in totals:
        print(
            f"  {total.name:<8}{total.files:>6}{total.rows:>8,}{total.no_verdict:>12,}"
            f"{total.episodes:>10}{total.caught:>8}{_number(total.median_seconds):>8}"
            f"{_number(total.mean_seconds):>7}{total.false_alarm_points:>20,}"
            f"{total.false_alarm_episodes:>10,}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.quality.skab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("checkout", type=Path, help="a SKAB checkout (data/valve1, ...)")
    add_detector_options(parser)
    parser.add_argument("--per-file", action="store_true", help="a line per file")
    args = parser.parse_args(argv)
    prog = "bench.quality.skab"
    started = time.monotonic()
    try:
        settings = detector_settings(args.config, args.overrides)
        runs = detect_skab(args.checkout, settings, workers=args.workers, on_done=print_progress)
        files = judge_runs(runs)
    except MissingData as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return EXIT_MISSING_DATA
    except DexwatchError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 1
    print_report(runs, files, per_file=args.per_file)
    print_wall_time(started, runs, args.workers, describe_settings(args.config, args.overrides))
    return 0


if __name__ == "__main__":
    sys.exit(main())
