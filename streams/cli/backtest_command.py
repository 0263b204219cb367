"""`dexwatch backtest`: a CSV file through the detector, row by row, as a stream would see it.

    dexwatch backtest INPUT.csv --time-column timestamp --measures value[,more]
        [--dimensions a,b] [--labels windows.json | --label-column COL] [--config dataset.yaml]
        [--search] [--search-metric nab|f1] --output OUT.csv

Writes one output row per input row (`timestamp`, the dimensions, `score`, `severity`,
`is_anomaly`, `explanation`); with labels, prints precision, recall, F1 and the NAB scores.
With `--topic T` instead of INPUT.csv, a topic's history goes through the worker's own
handler (`streams.cli.backtest_topic`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from detectors.backtest import Backtest, BacktestColumns, backtest_file
from detectors.backtest_config import load_detector_settings
from detectors.backtest_evaluation import LabelSpec, RunRecord
from detectors.backtest_io import OutputWriter
from detectors.backtest_search import SearchMetric, search_grid
from detectors.evaluation.labels import load_nab_windows, nab_key
from detectors.series_model import SeriesModelSettings
from schemas.errors import ConfigError
from streams.cli.arguments import column_list, existing_file
from streams.cli.backtest_report import print_evaluation
from streams.cli.backtest_topic import (
    add_topic_arguments,
    check_file_arguments,
    run_topic_backtest,
)

__all__ = ["register"]

_PROGRESS_SECONDS = 5.0
_EXAMPLES_SHOWN = 5


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "backtest",
        help="run a CSV file (or a topic's history) through the detector, a verdict per row",
        description="Runs every row of INPUT.csv, in file order and without look-ahead, through "
        "a fresh model per series (per distinct --dimensions values), writes one output row per "
        "input row, and with labels prints precision, recall, F1 and the NAB scores. With "
        "--topic instead, replays the topic through the worker's own handler and datasets and "
        "writes one row per scored interval (--dimensions then names output columns).",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "input", nargs="?", type=existing_file, metavar="INPUT.csv", help="the data"
    )
    add_topic_arguments(parser, source)
    parser.add_argument(
        "--time-column",
        help="column with each row's time: ISO 8601 (naive = UTC) or epoch seconds "
        "(default: timestamp)",
    )
    parser.add_argument("--measures", type=column_list, help="numeric columns, comma-separated")
    parser.add_argument(
        "--dimensions",
        type=column_list,
        default=(),
        help="columns naming the series, comma-separated (default: the file is one series); "
        "with --topic, dimensions written as columns instead of the series key",
    )
    labels = parser.add_mutually_exclusive_group()
    labels.add_argument(
        "--labels",
        type=existing_file,
        metavar="WINDOWS.json",
        help='NAB windows {"category/file.csv": [[start, end], ...]}; the entry is found by '
        "INPUT's last two path parts (with --topic: --labels-key, or the only entry)",
    )
    labels.add_argument("--label-column", metavar="COL", help="a 0/1 anomaly label column")
    parser.add_argument(
        "--config",
        type=existing_file,
        metavar="DATASET.yaml",
        help="YAML whose `detector:` mapping sets SeriesModelSettings fields",
    )
    parser.add_argument(
        "--search",
        action="store_true",
        help="try a small grid of settings (needs labels), report each, use the best",
    )
    parser.add_argument(
        "--search-metric",
        choices=["nab", "f1"],
        help="what --search maximises: NAB standard score or F1 (default: nab)",
    )
    parser.add_argument(
        "--output", type=Path, required=True, metavar="OUT.csv", help="the per-row results"
    )
    parser.set_defaults(handler=lambda args: _backtest(parser, args))


def _backtest(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.topic is not None:
        return run_topic_backtest(parser, args)
    check_file_arguments(parser, args)
    settings = (
        load_detector_settings(args.config) if args.config is not None else SeriesModelSettings()
    )
    labels = _labels(args)
    columns = BacktestColumns(
        time_column=args.time_column or "timestamp",
        measures=args.measures,
        dimensions=args.dimensions,
        carry=(args.label_column,) if args.label_column else (),
    )
    if args.search_metric is not None and not args.search:
        raise ConfigError("--search-metric only applies with --search")
    if args.search:
        if labels is None:
            raise ConfigError("--search needs labels to judge by: --labels or --label-column")
        settings = _search(args, columns, settings, labels, args.search_metric or "nab")
    with OutputWriter(args.output, columns.output_header()) as writer:
        backtest, record, seconds = _run(args.input, columns, settings, labels, writer, "")
    _print_run(args, backtest, record, seconds, writer.rows_written)
    if labels is not None:
        print_evaluation(labels, record.evaluate(), record)
    return 0


def _labels(args: argparse.Namespace) -> LabelSpec | None:
    if args.labels is not None:
        key, windows = load_nab_windows(args.labels, args.input)
        return LabelSpec(name=key, windows=tuple(windows))
    if args.label_column is not None:
        return LabelSpec(name=nab_key(args.input), column=args.label_column)
    return None


def _run(
    path: Path,
    columns: BacktestColumns,
    settings: SeriesModelSettings,
    labels: LabelSpec | None,
    writer: OutputWriter | None,
    what: str,
) -> tuple[Backtest, RunRecord, float]:
    started = time.monotonic()

    def progress(rows: int, elapsed: float) -> None:
        rate = rows / elapsed if elapsed > 0 else 0.0
        print(f"backtest{what}: {rows:,} rows, {rate:,.0f} rows/s", file=sys.stderr, flush=True)

    backtest = Backtest(columns, settings, on_progress=progress, progress_seconds=_PROGRESS_SECONDS)
    record = RunRecord(labels)
    for row in backtest_file(path, backtest):
        record.add(row)
        if writer is not None:
            writer.write(row.output_fields())
    return backtest, record, time.monotonic() - started


def _search(
    args: argparse.Namespace,
    columns: BacktestColumns,
    base: SeriesModelSettings,
    labels: LabelSpec,
    metric: SearchMetric,
) -> SeriesModelSettings:
    points = search_grid(base, metric)
    label = "NAB standard" if metric == "nab" else "F1"
    print(f"search: {len(points)} combination(s), by {label}")
    best: tuple[float, SeriesModelSettings, str] | None = None
    for number, point in enumerate(points, start=1):
        if point.settings is None:
            print(f"  {point.describe():<40} rejected: {point.rejected}")
            continue
        _, record, _ = _run(
            args.input, columns, point.settings, labels, None, f" (search {number}/{len(points)})"
        )
        evaluation = record.evaluate()
        value = (
            evaluation.nab["standard"].normalised
            if metric == "nab"
            else evaluation.classification.f1
        )
        if value is None:
            raise ConfigError(
                "the labels hold no anomaly window, so NAB cannot rank settings; "
                "use --search-metric f1"
            )
        print(f"  {point.describe():<40} {label} {value:8.3f}", flush=True)
        if best is None or value > best[0]:
            best = (value, point.settings, point.describe())
    if best is None:
        raise ConfigError("every combination of the search grid was rejected")
    print(f"search: best {best[2]} ({label} {best[0]:.3f}); the output uses it")
    return best[1]


def _print_run(
    args: argparse.Namespace,
    backtest: Backtest,
    record: RunRecord,
    seconds: float,
    written: int,
) -> None:
    bad = backtest.bad_rows
    rate = backtest.rows_read / seconds if seconds > 0 else 0.0
    print(f"backtest: {args.input}")
    print(
        f"rows: {backtest.rows_read:,} read, {backtest.rows_read - bad.total:,} scored, "
        f"{len(backtest.models):,} series, {seconds:.2f} s ({rate:,.0f} rows/s)"
    )
    print(f"bad rows: {bad.summary()}")
    for _, reason in bad.examples[:_EXAMPLES_SHOWN]:
        print(f"  {reason}")
    print(f"alerts: {sum(record.alerts):,} row(s) with is_anomaly = 1")
    print(f"wrote: {args.output} ({written:,} rows)")
