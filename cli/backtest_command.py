"""`dexwatch backtest`: a CSV file through the detector, row by row, as a stream would see it.

    dexwatch backtest INPUT.csv [--time-column timestamp] [--measures value[,more]]
        [--dimensions a,b] [--delimiter ';'] [--keep-order]
        [--rename 'Old Name=new_name' ...] [--dimension NAME=VALUE ...]
        [--labels windows.json | --label-column COL] [--config dataset.yaml [--dataset NAME]]
        [--search] [--search-metric nab|f1] --output OUT.csv

Writes one output row per input row (`timestamp` in ISO 8601 UTC, the dimensions, `score`,
`severity`, `is_anomaly`, `explanation`); with labels, prints precision, recall, F1 and the
NAB scores. Exits with `NOTHING_SCORED` (3) when no row could be scored. With `--topic T`
instead of INPUT.csv, a topic's history goes through the worker's own handler
(`cli.backtest_topic`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dexwatch.cli.arguments import (
    add_column_shaping,
    column_list,
    column_shape,
    delimiter,
    existing_file,
)
from dexwatch.cli.backtest_report import FileRun, print_evaluation, print_file_run
from dexwatch.cli.backtest_settings import file_backtest_settings
from dexwatch.cli.backtest_topic import (
    add_topic_arguments,
    check_file_arguments,
    run_topic_backtest,
)
from dexwatch.detectors.backtest import Backtest, BacktestColumns, backtest_file, default_measures
from dexwatch.detectors.backtest_evaluation import LabelSpec, RunRecord
from dexwatch.detectors.backtest_search import SearchMetric, search_grid
from dexwatch.detectors.evaluation.labels import load_nab_windows, nab_key
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.schemas.errors import ConfigError
from dexwatch.tabular.csv_input import CsvInput, OutputWriter

__all__ = ["NOTHING_SCORED", "register"]

NOTHING_SCORED = 3
"""The exit code of a run in which no row could be scored (every row bad, or none at all)."""

_PROGRESS_SECONDS = 5.0


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Runs every row of INPUT.csv, in file order and without look-ahead, through "
        "a fresh model per series (per distinct --dimensions values), writes one output row per "
        "input row, and with labels prints precision, recall, F1 and the NAB scores. With "
        "--topic instead, replays the topic through the worker's own handler and datasets and "
        "writes one row per scored interval (--dimensions then names output columns)."
    )
    parser.epilog = (
        f"exit status: 0 when rows were scored; 1 on an error (unreadable file, unknown "
        f"column, bad config); 2 on bad arguments; {NOTHING_SCORED} when no row could be "
        "scored (every row bad, or none)."
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "input", nargs="?", type=existing_file, metavar="INPUT.csv", help="the data"
    )
    add_topic_arguments(parser, source)
    parser.add_argument(
        "--time-column",
        help="column with each row's time: ISO 8601 (naive = UTC) or a Unix time in s, ms, us "
        "or ns, the unit read from its size and the same on every row (default: timestamp)",
    )
    parser.add_argument(
        "--measures",
        type=column_list,
        help="numeric columns, comma-separated (default: every column but the time column, "
        "the dimensions and the label column)",
    )
    parser.add_argument(
        "--dimensions",
        type=column_list,
        default=(),
        help="columns naming the series, comma-separated (default: the file is one series); "
        "with --topic, dimensions written as columns instead of the series key",
    )
    parser.add_argument(
        "--delimiter",
        type=delimiter,
        help="the character between fields, 'tab' for a tab (default: found among , ; and tab "
        "from the first lines)",
    )
    add_column_shaping(parser)
    parser.add_argument(
        "--keep-order",
        action="store_true",
        help="score rows in file order even when a series' times go back (as NAB does); "
        "by default a series' rows out of time order are sorted (stable) first",
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
        help="YAML whose `detector:` mapping sets SeriesModelSettings fields, or the worker's "
        "datasets YAML (`datasets: [...]`), whose dataset's detector settings are used",
    )
    parser.add_argument(
        "--dataset",
        metavar="NAME",
        help="with a --config datasets file of several datasets: the one to use",
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
    settings, config = file_backtest_settings(args.config, args.dataset)
    labels = _labels(args)
    columns = _columns(args)
    if args.search_metric is not None and not args.search:
        raise ConfigError("--search-metric only applies with --search")
    if args.search:
        if labels is None:
            raise ConfigError("--search needs labels to judge by: --labels or --label-column")
        settings = _search(args, columns, settings, labels, args.search_metric or "nab")
    with OutputWriter(args.output, columns.output_header()) as writer:
        backtest, record, seconds = _run(args, columns, settings, labels, writer, "")
    print_file_run(
        FileRun(args.input, args.output, config, args.measures is None, args.delimiter is None),
        backtest,
        record,
        seconds,
        writer.rows_written,
    )
    if not backtest.rows_scored:
        print("dexwatch backtest: no row could be scored (see bad rows)", file=sys.stderr)
        return NOTHING_SCORED
    if labels is not None:
        print_evaluation(labels, record.evaluate(), record)
    return 0


def _columns(args: argparse.Namespace) -> BacktestColumns:
    time_column = args.time_column or "timestamp"
    carry = (args.label_column,) if args.label_column else ()
    shape = column_shape(args)
    # A constant dimension is a dimension like any other (one more output column).
    dimensions = tuple(dict.fromkeys((*args.dimensions, *shape.constant_names)))
    measures = args.measures
    with CsvInput(args.input, args.delimiter, shape) as source:
        # Read even with --measures: a bad --rename fails here, before anything is written.
        if measures is None:
            measures = default_measures(source.header, time_column, dimensions, carry)
    return BacktestColumns(time_column, measures, dimensions=dimensions, carry=carry)


def _labels(args: argparse.Namespace) -> LabelSpec | None:
    if args.labels is not None:
        key, windows = load_nab_windows(args.labels, args.input)
        return LabelSpec(name=key, windows=tuple(windows))
    if args.label_column is not None:
        return LabelSpec(name=nab_key(args.input), column=args.label_column)
    return None


def _run(
    args: argparse.Namespace,
    columns: BacktestColumns,
    settings: SeriesModelSettings,
    labels: LabelSpec | None,
    writer: OutputWriter | None,
    what: str,
) -> tuple[Backtest, RunRecord, float]:
    started = time.monotonic()

    def progress(rows: int, elapsed: float) -> None:
        rate = rows / elapsed if elapsed > 0 else 0.0
        total = backtest.rows_total
        done = f"{rows:,}/{total:,} rows ({rows / total:.0%})" if total else f"{rows:,} rows"
        print(f"backtest{what}: {done}, {rate:,.0f} rows/s", file=sys.stderr, flush=True)

    backtest = Backtest(columns, settings, on_progress=progress, progress_seconds=_PROGRESS_SECONDS)
    record = RunRecord(labels)
    rows = backtest_file(
        args.input,
        backtest,
        delimiter=args.delimiter,
        keep_order=args.keep_order,
        shape=column_shape(args),
    )
    for row in rows:
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
            args, columns, point.settings, labels, None, f" (search {number}/{len(points)})"
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
