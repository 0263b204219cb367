"""`python -m bench.quality`: every labelled corpus in ../shared/data with one parameter set.

    .venv/bin/python -m bench.quality [--only nab|dex] [--config dataset.yaml]
        [--set name=value ...] [--data ../shared/data] [--workers 2] [--per-file]

Each file runs from a fresh model, rows in file order, through the same backtest engine as
`dexwatch backtest`; labels are read only after every file has been scored. Every figure is
printed for the whole corpus and for two fixed halves: tune on half A, report half B.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.quality.corpus import Corpus
from bench.quality.data import DEFAULT_DATA, MissingData, require
from bench.quality.dex_corpus import DexCorpus
from bench.quality.nab_corpus import NabCorpus
from bench.quality.runs import FileRun, detect_all
from bench.quality.settings import describe_settings, detector_settings
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.schemas.errors import DexwatchError

__all__ = [
    "EXIT_MISSING_DATA",
    "add_detector_options",
    "main",
    "print_progress",
    "print_wall_time",
    "run_corpora",
]

EXIT_MISSING_DATA = 2


def print_progress(run: FileRun, done: int, total: int) -> None:
    """A file done, on stderr: `[ 3/32] dex/curve_mim.csv: 416 rows in 0.1 s`."""
    print(
        f"[{done:>{len(str(total))}}/{total}] {run.key}: {run.rows:,} rows in {run.seconds:.1f} s",
        file=sys.stderr,
        flush=True,
    )


def print_wall_time(
    started: float, runs: Sequence[FileRun], workers: int, settings_label: str
) -> None:
    """The closing line: wall time since `started` (monotonic), rows, rate, settings."""
    rows = sum(run.rows for run in runs)
    busy = sum(run.seconds for run in runs)
    print(
        f"\nwall time {time.monotonic() - started:.1f} s ({rows:,} rows, {workers} worker(s), "
        f"{rows / busy if busy else 0.0:,.0f} rows/s per worker); settings: {settings_label}"
    )


def add_detector_options(parser: argparse.ArgumentParser) -> None:
    """`--config`, `--set` (repeatable) and `--workers`, as every quality command takes them."""
    parser.add_argument("--config", type=Path, help="YAML with a `detector:` mapping")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a detector setting over the defaults or --config (value read as YAML); repeatable",
    )
    parser.add_argument(
        "--workers", type=int, default=min(2, os.cpu_count() or 1), help="processes (default 2)"
    )


def run_corpora(
    prog: str,
    corpora: Sequence[Corpus],
    settings: SeriesModelSettings,
    *,
    workers: int,
    per_file: bool | None,
    settings_label: str,
) -> int:
    """Runs every corpus's files in one pool (largest first), then prints each corpus."""
    started = time.monotonic()
    try:
        paths = {corpus.name: corpus.paths() for corpus in corpora}
    except MissingData as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return EXIT_MISSING_DATA
    try:
        every = [path for corpus in corpora for path in paths[corpus.name]]
        runs = {run.path: run for run in detect_all(every, settings, workers, print_progress)}
        for number, corpus in enumerate(corpora):
            if number:
                print()
            corpus.report(
                [runs[path] for path in paths[corpus.name]],
                corpus.per_file_default if per_file is None else per_file,
            )
    except DexwatchError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 1
    print_wall_time(started, list(runs.values()), workers, settings_label)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.quality",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", choices=("nab", "dex"), help="run one corpus")
    add_detector_options(parser)
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"the shared data (default {DEFAULT_DATA})"
    )
    parser.add_argument(
        "--per-file",
        action=argparse.BooleanOptionalAction,
        help="the per-file tables (default: on for dex, off for nab)",
    )
    args = parser.parse_args(argv)
    prog = "bench.quality"
    try:
        settings = detector_settings(args.config, args.overrides)
    except DexwatchError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 1
    try:
        require(args.data, "shared data folder")
    except MissingData as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return EXIT_MISSING_DATA
    corpora: list[Corpus] = [NabCorpus(args.data / "nab"), DexCorpus(args.data / "dex")]
    return run_corpora(
        prog,
        [corpus for corpus in corpora if args.only in (None, corpus.name)],
        settings,
        workers=args.workers,
        per_file=args.per_file,
        settings_label=describe_settings(args.config, args.overrides),
    )
