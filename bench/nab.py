"""NAB on the 18 files in ../shared/data/nab: one parameter set, scores for the three profiles.

    .venv/bin/python -m bench.nab [--config dataset.yaml] [--data ../shared/data/nab] [--workers 2]

Each file runs from a fresh model, rows in file order, through the same backtest engine as
`dexwatch backtest`. The detection step gets only the file's rows: the labels are read, and the
windows placed, after every file has been scored, so nothing a detector does can depend on them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from detectors.backtest import Backtest, BacktestColumns, backtest_file
from detectors.backtest_config import load_detector_settings
from detectors.evaluation.labels import WindowLocator, nab_key, read_nab_windows
from detectors.evaluation.nab_score import PROFILES, NabFile, NabResult, score_corpus
from detectors.series_model import SeriesModelSettings
from schemas.errors import DexwatchError

__all__ = ["main"]

_DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nab"
_COLUMNS = BacktestColumns(time_column="timestamp", measures=("value",))


@dataclass(frozen=True, slots=True)
class _Detected:
    path: Path
    scores: list[float]
    times: list[datetime | None]
    bad_rows: int
    seconds: float


def _detect(path: Path, settings: SeriesModelSettings) -> _Detected:
    """Scores for one file; the only input is its rows."""
    started = time.monotonic()
    backtest = Backtest(_COLUMNS, settings)
    scores, times = [], []
    for row in backtest_file(path, backtest):
        scores.append(row.score)
        times.append(row.time)
    return _Detected(path, scores, times, backtest.bad_rows.total, time.monotonic() - started)


def _detect_all(
    paths: Sequence[Path], settings: SeriesModelSettings, workers: int
) -> list[_Detected]:
    # Largest files first, so that two workers finish at about the same time.
    ordered = sorted(paths, key=lambda path: -path.stat().st_size)
    if workers <= 1:
        detected = [_detect(path, settings) for path in ordered]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            detected = list(pool.map(_detect, ordered, [settings] * len(ordered)))
    return sorted(detected, key=lambda result: nab_key(result.path))


def _nab_files(data: Path, detected: Sequence[_Detected]) -> list[NabFile]:
    windows = read_nab_windows(data / "windows.json")
    files = []
    for result in detected:
        key = nab_key(result.path)
        if key not in windows:
            raise DexwatchError(f"{data / 'windows.json'} has no entry {key!r}")
        locator = WindowLocator(windows[key])
        for row, at in enumerate(result.times):
            locator.see(row, at)
        files.append(NabFile(key, result.scores, locator.rows()))
    return files


def _format(value: float | None, raw: float) -> str:
    return f"(raw {raw:.3f})" if value is None else f"{value:.1f}"


def _print_report(
    files: Sequence[NabFile], results: dict[str, NabResult], detected: Sequence[_Detected]
) -> None:
    names = list(PROFILES)
    print(f"NAB normalised scores ({len(files)} files, {results['standard'].windows} windows)")
    print(f"{'':<24}" + "".join(f"{name:>20}" for name in names))
    categories = sorted({file.category for file in files})
    for category in categories:
        cells = [results[name].per_category()[category] for name in names]
        print(
            f"{category:<24}"
            + "".join(f"{_format(cell.normalised, cell.raw):>20}" for cell in cells)
        )
    totals = [_format(results[name].normalised, results[name].raw) for name in names]
    print(f"{'total':<24}" + "".join(f"{cell:>20}" for cell in totals))
    print(f"{'threshold':<24}" + "".join(f"{results[n].threshold:>20.4f}" for n in names))
    print(f"{'raw score':<24}" + "".join(f"{results[n].raw:>20.3f}" for n in names))
    print(
        "(categories are the corpus result split by category, at the corpus threshold; "
        "a category without windows has no normalised score: its raw score is shown)"
    )
    standard = results["standard"]
    print(f"\nPer file, standard profile, threshold {standard.threshold:.4f}:")
    print(f"  {'file':<58}{'rows':>7}{'windows':>9}{'detected':>10}{'false pos.':>11}{'raw':>9}")
    rows = {nab_key(result.path): len(result.scores) for result in detected}
    for file in standard.per_file:
        print(
            f"  {file.name:<58}{rows[file.name]:>7}{file.windows:>9}"
            f"{file.detected_windows:>10}{file.false_positives:>11}{file.raw:>9.3f}"
        )
    bad = sum(result.bad_rows for result in detected)
    if bad:
        print(f"  ({bad} bad rows were skipped and scored 0)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nab", description=__doc__)
    parser.add_argument("--config", type=Path, help="YAML with a `detector:` mapping")
    parser.add_argument("--data", type=Path, default=_DEFAULT_DATA, help="the NAB folder")
    parser.add_argument(
        "--workers", type=int, default=min(2, os.cpu_count() or 1), help="processes (default 2)"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        settings = load_detector_settings(args.config) if args.config else SeriesModelSettings()
        paths = sorted(args.data.glob("*/*.csv"))
        if not paths:
            raise DexwatchError(f"no CSV files under {args.data}/*/")
        detected = _detect_all(paths, settings, args.workers)
        files = _nab_files(args.data, detected)
    except DexwatchError as error:
        print(f"bench.nab: {error}", file=sys.stderr)
        return 1
    results = {name: score_corpus(files, profile) for name, profile in PROFILES.items()}
    _print_report(files, results, detected)
    rows = sum(len(result.scores) for result in detected)
    detection_seconds = sum(result.seconds for result in detected)
    print(
        f"\nwall time {time.monotonic() - started:.1f} s ({rows:,} rows, {args.workers} "
        f"worker(s), {rows / detection_seconds:,.0f} rows/s per worker); settings: "
        f"{'defaults' if args.config is None else args.config}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
