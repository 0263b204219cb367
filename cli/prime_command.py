"""`dexwatch prime`: the worker's models learn history, and a worker started next resumes them.

    dexwatch prime --datasets PATH (--from-file FILE | --from-topic T [--from-offset N |
        --from-time ISO]) [--as-topic T] [--format csv|jsonl] [--time-column C]
        [--dimensions a,b] [--measures x,y] [--source NAME] [--app-id ID] [--replace]

History goes through the worker's own handler (`streams.priming.HistoryPrimer`), and each
series' model is written as the snapshot a live worker would have written, to the changelog
of the worker's snapshot table (`streams.snapshots.changelog_snapshots`). Nothing else is
produced: no anomaly, no dead letter. See docs/priming.md.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from typing import Any

from dexwatch.cli.arguments import (
    add_bootstrap_servers,
    add_topic_start,
    column_list,
    existing_file,
    existing_path,
)
from dexwatch.connectors.file_replay import (
    FORMATS,
    CsvLayout,
    RejectedRow,
    RejectTally,
    detect_format,
)
from dexwatch.messaging.topics import ensure_topic_specs
from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.priming import HistoryPrimer, PrimedSeries, file_records, topic_records
from dexwatch.streams.priming.record_feed import topic_partitions
from dexwatch.streams.priming.topic_reader import StartPosition
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.settings_loading import load_settings
from dexwatch.streams.snapshots.changelog_snapshots import snapshot_keys, write_changelog
from dexwatch.streams.worker_topics import worker_topics

__all__ = ["register"]

_BAD_ROWS_SHOWN = 5


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Runs history (a topic, or a CSV or JSON lines file) through the worker's "
        "own handler and datasets, and writes each series' model as the snapshot the worker "
        "resumes from when it starts (same app id, same datasets). Produces no anomaly and no "
        "dead letter. See docs/priming.md."
    )
    parser.add_argument(
        "--datasets",
        type=existing_path,
        required=True,
        metavar="PATH",
        help="the worker's datasets (YAML file or folder): the same the worker runs",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-file", type=existing_file, metavar="FILE", help="history file")
    source.add_argument("--from-topic", metavar="TOPIC", help="history on a Kafka topic")
    add_topic_start(parser, "--from-topic")
    parser.add_argument(
        "--as-topic",
        metavar="TOPIC",
        help="the datasets' topic the history stands for (default: --from-topic itself; for a "
        "file, the one topic of metric events the datasets read)",
    )
    add_bootstrap_servers(parser)
    parser.add_argument("--app-id", help="the worker's app id (default: $DEXWATCH_APP_ID)")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="overwrite series that already have a snapshot (default: keep theirs: a worker's "
        "own model has seen more recent points than history)",
    )
    file_options = parser.add_argument_group("--from-file (read as `dexwatch replay` reads it)")
    file_options.add_argument("--format", choices=FORMATS, help="csv or jsonl (default: by name)")
    file_options.add_argument("--time-column", help="CSV: the event time column (timestamp)")
    file_options.add_argument("--dimensions", type=column_list, help="CSV: series columns")
    file_options.add_argument("--measures", type=column_list, help="CSV: numeric columns")
    file_options.add_argument("--source", help="CSV: the events' `source` (default: replay)")
    parser.set_defaults(handler=lambda args: _run(parser, args))


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.from_file is not None and (args.from_offset is not None or args.from_time):
        parser.error("--from-offset and --from-time only apply with --from-topic")
    csv_given = [args.time_column, args.dimensions, args.measures, args.source, args.format]
    if args.from_topic is not None and any(value is not None for value in csv_given):
        parser.error(
            "--format, --time-column, --dimensions, --measures and --source apply "
            "only with --from-file"
        )
    overrides: dict[str, Any] = {"datasets": args.datasets}
    for name in ("bootstrap_servers", "app_id"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    settings = load_settings(WorkerSettings, **overrides)
    file_format = None
    if args.from_file is not None:  # before Kafka is touched: a file we cannot read fails first
        file_format = args.format or detect_format(args.from_file)
    primer = HistoryPrimer(settings)  # bad datasets fail here
    topic = _fed_topic(args, primer)
    ensure_topic_specs(settings.bootstrap_servers, worker_topics(settings, primer.topics))
    partitions = topic_partitions(settings.bootstrap_servers, topic) or settings.topic_partitions
    bad_rows = RejectTally()
    shown: list[RejectedRow] = []

    def rejected(row: RejectedRow) -> None:
        bad_rows.add(row)
        if len(shown) < _BAD_ROWS_SHOWN:
            shown.append(row)

    if args.from_file is not None and file_format is not None:
        layout = CsvLayout(
            time_column=args.time_column or "timestamp",
            dimensions=args.dimensions or (),
            measures=args.measures or (),
            source=args.source or "replay",
        )
        primer.feed(
            file_records(
                args.from_file,
                file_format,
                layout,
                topic=topic,
                partitions=partitions,
                on_reject=rejected,
            )
        )
        origin = str(args.from_file)
    else:
        start = StartPosition(offset=args.from_offset, time=args.from_time)
        batches = topic_records(
            settings.bootstrap_servers,
            args.from_topic,
            start,
            as_topic=topic,
            partitions=partitions,
        )
        primer.feed(batches)
        origin = f"topic {args.from_topic} from {start.describe()}"
    if args.from_topic != topic:  # a file, or another topic: its history is over
        primer.close_history()
    _report_read(primer, origin, bad_rows, shown)
    return _write(settings, primer.primed(), replace=args.replace)


def _fed_topic(args: argparse.Namespace, primer: HistoryPrimer) -> str:
    """The datasets' topic the history is fed as."""
    topics = primer.topics
    if args.as_topic is not None:
        topic = str(args.as_topic)
    elif args.from_topic is not None:
        topic = str(args.from_topic)
    else:
        metric_topics = [
            t
            for t in topics
            if any(
                r.dataset.source.topic == t and r.dataset.source.format == "metric_event"
                for r in primer.handler.datasets
            )
        ]
        if len(metric_topics) != 1:
            raise ConfigError(
                f"the datasets read metric events from {metric_topics or 'no topic'}: name the "
                "one the file stands for with --as-topic"
            )
        topic = metric_topics[0]
    if topic not in topics:
        raise ConfigError(
            f"no dataset reads topic {topic!r}; the datasets read {list(topics)} (--as-topic "
            "feeds history as one of them)"
        )
    return topic


def _report_read(
    primer: HistoryPrimer, origin: str, bad_rows: RejectTally, shown: list[RejectedRow]
) -> None:
    tally = primer.tally
    scored = int(primer.sample("dexwatch_events_scored_total"))
    print(f"prime: {tally.records:,} record(s) from {origin}, {scored:,} point(s) learnt")
    if bad_rows.total:
        print(f"bad rows: {bad_rows.summary()}")
        for row in shown:
            print(f"  line {row.line}: {row.kind}: {row.reason}")
    if tally.dead_letters:
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(tally.dead_letters.items()))
        print(f"refused: {sum(tally.dead_letters.values()):,} ({kinds}), as the worker would")
    unmatched = int(primer.sample("dexwatch_events_unmatched_total"))
    if unmatched:
        print(f"unmatched: {unmatched:,} event(s) no dataset selected")
    if tally.anomalies:
        print(f"judged anomalous: {tally.anomalies:,} point(s) of history (nothing is sent)")


def _write(settings: WorkerSettings, primed: list[PrimedSeries], *, replace: bool) -> int:
    if not primed:
        print("nothing to write: no series was scored (see above)", file=sys.stderr)
        return 1
    by_changelog: defaultdict[str, list[PrimedSeries]] = defaultdict(list)
    for series in primed:
        by_changelog[series.changelog].append(series)
    kept: Counter[str] = Counter()
    written: Counter[str] = Counter()
    points: Counter[str] = Counter()
    for changelog, items in sorted(by_changelog.items()):
        held = set() if replace else snapshot_keys(settings.bootstrap_servers, changelog)
        fresh = [item for item in items if item.record.key not in held]
        write_changelog(settings.bootstrap_servers, changelog, [item.record for item in fresh])
        for item in items:
            if item.record.key not in held:
                written[item.dataset] += 1
                points[item.dataset] += item.points_seen
            else:
                kept[item.dataset] += 1
        print(f"snapshots: {len(fresh):,} written to {changelog}")
    warmups = {d.name: d.detector.warmup for d in settings.dataset_configs()}
    for dataset in sorted(written.keys() | kept.keys()):
        count = written[dataset]
        average = points[dataset] / count if count else 0.0
        line = f"  {dataset}: {count:,} series primed, {average:,.0f} points each on average"
        short = sum(1 for s in primed if s.dataset == dataset and s.points_seen < warmups[dataset])
        if short:
            line += f"; {short:,} still short of warmup ({warmups[dataset]} points)"
        if kept[dataset]:
            line += f"; {kept[dataset]:,} kept their own snapshot (--replace overwrites)"
        print(line)
    print(
        f"next: start the worker (app id {settings.app_id}, the same datasets); it resumes "
        "these models"
    )
    return 0
