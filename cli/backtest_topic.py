"""`dexwatch backtest --topic T`: history from a topic through the worker's own handler.

    dexwatch backtest --topic T [--from-offset N | --from-time ISO] [--bootstrap-servers B]
        [--datasets PATH | --config DATASET.yaml] [--dimensions a,b]
        [--labels WINDOWS.json [--labels-key KEY]] --output OUT.csv

Writes one row per scored interval (`timestamp` = interval start, `series` or the
`--dimensions` columns, `score`, `severity`, `is_anomaly`, `explanation`; a `dataset` column
after `timestamp` when several datasets read the topic), formatted as the file backtest formats
its rows. Reads up to the end of the topic as it was at the start, and produces nothing.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dexwatch.cli.arguments import (
    add_bootstrap_servers,
    add_topic_start,
    existing_path,
    kafka_settings,
)
from dexwatch.cli.backtest_report import print_evaluation
from dexwatch.detectors.backtest import BacktestRow
from dexwatch.detectors.backtest_config import load_detector_settings
from dexwatch.detectors.backtest_evaluation import LabelSpec, RunRecord
from dexwatch.detectors.evaluation.labels import read_nab_windows
from dexwatch.messaging.topic_names import topic_names
from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.priming.topic_reader import StartPosition
from dexwatch.streams.priming.topic_replay import ReplayedRow, ReplaySummary, TopicReplay
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.settings_loading import load_settings
from dexwatch.tabular.csv_input import OutputWriter

__all__ = ["add_topic_arguments", "check_file_arguments", "run_topic_backtest"]

_PROGRESS_SECONDS = 5.0
_FIXED = ("score", "severity", "is_anomaly", "explanation")
_FILE_ONLY = (
    ("measures", "--measures"),
    ("time_column", "--time-column"),
    ("label_column", "--label-column"),
    ("search", "--search"),
    ("search_metric", "--search-metric"),
    ("delimiter", "--delimiter"),
    ("keep_order", "--keep-order"),
    ("dataset", "--dataset"),
    ("rename", "--rename"),
    ("dimension", "--dimension"),
)
_TOPIC_ONLY = (
    ("from_offset", "--from-offset"),
    ("from_time", "--from-time"),
    ("datasets", "--datasets"),
    ("labels_key", "--labels-key"),
)


def add_topic_arguments(parser: argparse.ArgumentParser, source: Any) -> None:
    """`--topic` (in the `source` group, against INPUT.csv) and the options only it takes."""
    source.add_argument("--topic", help="replay this topic through the worker instead of a file")
    add_topic_start(parser, "--topic")
    add_bootstrap_servers(parser)
    parser.add_argument(
        "--datasets",
        type=existing_path,
        metavar="PATH",
        help="with --topic: the worker's datasets (YAML file or folder; default: every event "
        "of the topic scored on its own, as the worker's default dataset)",
    )
    parser.add_argument(
        "--labels-key",
        metavar="KEY",
        help="with --topic --labels: the windows entry to use (default: the file's only entry)",
    )


def check_file_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """With INPUT.csv: the topic-only options are refused."""
    for name, option in _TOPIC_ONLY:
        if getattr(args, name) is not None:
            parser.error(f"{option} only applies with --topic")


def run_topic_backtest(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The handler of `dexwatch backtest --topic`."""
    for name, option in _FILE_ONLY:
        if getattr(args, name) not in (None, False):
            parser.error(f"{option} only applies with INPUT.csv (a topic's datasets say it)")
    if args.config is not None and args.datasets is not None:
        parser.error("--config sets the default dataset's detector; with --datasets, set it there")
    settings = _settings(args)
    replay = TopicReplay(
        settings,
        args.topic,
        on_progress=_progress,
        progress_seconds=_PROGRESS_SECONDS,
    )
    labels = _labels(args)
    with_dataset = _several_datasets(replay)
    header = _header(with_dataset, args.dimensions)
    record = RunRecord(labels)
    series: set[str] = set()
    start = StartPosition(offset=args.from_offset, time=args.from_time)
    with OutputWriter(args.output, header) as writer:

        def write(row: ReplayedRow) -> None:
            backtest_row = _backtest_row(row, with_dataset, args.dimensions)
            writer.write(backtest_row.output_fields())
            if labels is not None:
                series.add(row.interval.series)
                if len(series) > 1:
                    raise ConfigError(
                        "--labels (NAB windows) judge one series, and the topic holds more: "
                        "replay a one-series topic or filter it with --datasets"
                    )
                record.add(backtest_row)

        summary = replay.run(start, write)
    _print_summary(args, settings, start, summary, writer.rows_written)
    if labels is not None:
        print_evaluation(labels, record.evaluate(), record)
    return 0


def _settings(args: argparse.Namespace) -> WorkerSettings:
    overrides: dict[str, Any] = {
        "bootstrap_servers": kafka_settings(args).bootstrap_servers,
        "topics": topic_names(metrics=args.topic),
    }
    if args.datasets is not None:
        overrides["datasets"] = args.datasets
    if args.config is not None:
        overrides["detector"] = load_detector_settings(args.config)
    return load_settings(WorkerSettings, **overrides)


def _labels(args: argparse.Namespace) -> LabelSpec | None:
    if args.labels is None:
        if args.labels_key is not None:
            raise ConfigError("--labels-key needs --labels")
        return None
    entries = read_nab_windows(args.labels)
    key = args.labels_key
    if key is None:
        if len(entries) != 1:
            known = ", ".join(sorted(entries)[:5])
            raise ConfigError(
                f"{args.labels} has {len(entries)} entries: name one with --labels-key "
                f"(e.g. {known})"
            )
        [key] = entries
    if key not in entries:
        raise ConfigError(f"{args.labels} has no entry {key!r}")
    return LabelSpec(name=key, windows=tuple(entries[key]))


def _several_datasets(replay: TopicReplay) -> bool:
    readers = [r for r in replay.handler.datasets if r.dataset.source.topic == replay.topic]
    return len(readers) > 1


def _header(with_dataset: bool, dimensions: tuple[str, ...]) -> list[str]:
    named = list(dimensions) or ["series"]
    clashes = sorted(set(dimensions) & {"timestamp", "dataset", *_FIXED})
    if clashes:
        raise ConfigError(f"dimension(s) {clashes} would clash with the output's own columns")
    return ["timestamp", *(["dataset"] if with_dataset else []), *named, *_FIXED]


def _backtest_row(row: ReplayedRow, with_dataset: bool, dimensions: tuple[str, ...]) -> BacktestRow:
    """The file backtest's row type, so that both write their fields the same way."""
    interval = row.interval
    named = (
        tuple(interval.dimensions.get(name, "") for name in dimensions)
        if dimensions
        else (interval.series,)
    )
    timestamp = interval.start.isoformat().replace("+00:00", "Z")
    return BacktestRow(
        line=0,
        timestamp=timestamp,
        time=interval.start,
        dimensions=((row.dataset,) if with_dataset else ()) + named,
        carried=(),
        verdict=row.verdict,
        skipped=None,
    )


def _progress(records: int, total: int, elapsed: float) -> None:
    rate = records / elapsed if elapsed > 0 else 0.0
    print(
        f"backtest: {records:,}/{total:,} records, {rate:,.0f} records/s",
        file=sys.stderr,
        flush=True,
    )


def _print_summary(
    args: argparse.Namespace,
    settings: WorkerSettings,
    start: StartPosition,
    summary: ReplaySummary,
    written: int,
) -> None:
    rate = summary.records / summary.seconds if summary.seconds > 0 else 0.0
    ranges = ", ".join(f"{r.partition}:[{r.start},{r.end})" for r in summary.ranges if r.count)
    print(f"backtest: topic {args.topic} from {start.describe()} ({settings.bootstrap_servers})")
    print(f"partitions: {ranges or 'nothing to read'}")
    print(
        f"records: {summary.records:,} read, {summary.rows:,} scored, {summary.series:,} series, "
        f"{summary.seconds:.2f} s ({rate:,.0f} records/s)"
    )
    print(f"dead letters: {summary.dead_letter_summary()}")
    print(f"model actions: {summary.model_action_summary()}, not produced")
    for example in summary.dead_letter_examples:
        print(f"  {example}")
    if summary.unmatched:
        print(f"unmatched: {summary.unmatched:,} record(s) no dataset selected")
    print(
        f"alerts: {summary.alerts:,} row(s) with is_anomaly = 1; anomaly events "
        f"{summary.anomaly_events:,} ({summary.no_data_events:,} no_data), not produced"
    )
    if summary.primed:
        print(
            f"primed: {summary.primed:,} point(s) older than their dataset's alert_after: "
            "learnt, and no anomaly event for them (their rows keep their verdicts)"
        )
    print(f"wrote: {args.output} ({written:,} rows)")
