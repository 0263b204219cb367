"""`dexwatch replay FILE`: metric events from a CSV or JSON lines file to a topic.

    dexwatch replay FILE --topic T [--bootstrap-servers HOST:PORT]
        [--speed FACTOR | --as-fast-as-possible] [--format csv|jsonl]
        [--time-column COL --dimensions a,b --measures x,y --source NAME]   (CSV)
        [--rename 'Old Name=new_name' ...] [--dimension NAME=VALUE ...] [--keep-order]  (CSV)
        [--rejects BAD.jsonl] [--progress-every N]

Event times are kept as they are in the file; `--speed 60` sends an hour of event time in a
minute of wall time, measured from the first event. Bad rows are counted, the first few shown
with their line number and reason, all of them written to `--rejects` if given, and a summary
closes the run; the replay never stops at a bad row. What is wrong with the file as a whole
(a missing column, a header name that cannot be a measure name) is said before anything is
sent; a run that sent nothing exits `NOTHING_SENT` (3) and never says "done".
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Protocol

import orjson

from dexwatch.cli.arguments import (
    add_bootstrap_servers,
    add_column_shaping,
    column_list,
    column_shape,
    existing_file,
    int_between,
    kafka_settings,
    positive_float,
)
from dexwatch.connectors.file_replay import (
    FORMATS,
    CsvLayout,
    RejectedRow,
    RejectTally,
    detect_format,
    open_events,
)
from dexwatch.connectors.kafka_producer import EventProducer
from dexwatch.connectors.pacing import Pacer
from dexwatch.schemas.errors import ConfigError, DexwatchError
from dexwatch.schemas.metric_event import MetricEvent

__all__ = [
    "NOTHING_SENT",
    "EventSender",
    "Progress",
    "ReplayResult",
    "register",
    "replay",
    "run",
]

NOTHING_SENT = 3
"""The exit code of a replay that sent no event (every row bad, or none), as `backtest`'s 3."""

_LOG = logging.getLogger("dexwatch.connectors.replay")

SOURCE = "replay"
_DELIVERY_TIMEOUT_MS = 30_000
_FAILING_FLUSH_TIMEOUT_S = 2.0
_PROGRESS_SECONDS = 10.0
_BAD_ROWS_SHOWN = 20
_CSV_ONLY = (
    "time_column",
    "dimensions",
    "measures",
    "source",
    "rename",
    "dimension",
    "keep_order",
)


def register(parser: argparse.ArgumentParser) -> None:
    """Add the `replay` sub-command."""
    parser.description = (
        "Reads FILE (CSV, or JSON lines of metric events), checks every row, and "
        "produces the valid ones to TOPIC keyed by series, event times unchanged, as fast as "
        "possible or at --speed times the pace of their event times. Bad rows are counted and "
        "reported, never fatal."
    )
    parser.add_argument("input", type=existing_file, metavar="FILE", help="the events")
    parser.add_argument("--topic", required=True, help="topic to produce to")
    add_bootstrap_servers(parser)
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="csv or jsonl (default: from FILE's name: .csv; .jsonl, .ndjson or .json)",
    )
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed",
        type=positive_float,
        metavar="FACTOR",
        help="event-time seconds per wall-clock second (1: as they happened, 60: an hour a "
        "minute), measured from the first event",
    )
    pace.add_argument("--as-fast-as-possible", action="store_true", help="no pacing (the default)")
    csv_options = parser.add_argument_group("CSV")
    csv_options.add_argument(
        "--time-column",
        help="column with each row's event time: ISO 8601 (naive = UTC) or a Unix time in s, "
        "ms, us or ns, read from its size (default: timestamp)",
    )
    csv_options.add_argument(
        "--dimensions",
        type=column_list,
        help="columns naming the series, comma-separated (default: none, one series)",
    )
    csv_options.add_argument(
        "--measures",
        type=column_list,
        help="numeric columns, comma-separated (default: every column not named above)",
    )
    csv_options.add_argument("--source", help=f"the events' `source` (default: {SOURCE})")
    add_column_shaping(csv_options)
    csv_options.add_argument(
        "--keep-order",
        action="store_true",
        help="send rows in file order even where a series' times go back (by default a "
        "series' rows out of time order, as in a newest-first export, are sorted first)",
    )
    parser.add_argument(
        "--rejects",
        type=Path,
        metavar="PATH",
        help="write every bad row as a JSON line (line, kind, reason, text) to PATH",
    )
    parser.add_argument(
        "--progress-every",
        type=int_between(1, None),
        default=100_000,
        metavar="N",
        help=f"log progress every N rows, and at least every {_PROGRESS_SECONDS:g} s "
        "(default: %(default)s)",
    )
    parser.set_defaults(handler=run)


class EventSender(Protocol):
    """What `replay` needs of `EventProducer` (tests pass a fake)."""

    failed: int
    delivered: int

    def send(self, topic: str, event: MetricEvent) -> None: ...


class Progress:
    """A log line every `every` events or `seconds` of the pacer's clock, whichever is first."""

    def __init__(self, pacer: Pacer, every: int, seconds: float = _PROGRESS_SECONDS) -> None:
        self.pacer = pacer
        self.every = every
        self.seconds = seconds
        self._next_count = every
        self._next_time: float | None = None

    def tick(self, sent: int, line: int, event_time: datetime, bad_rows: int) -> bool:
        """Log if due; returns whether it did."""
        now = self.pacer.now()
        if self._next_time is None:
            self._next_time = now + self.seconds
        if sent < self._next_count and now < self._next_time:
            return False
        self._next_count = sent + self.every
        self._next_time = now + self.seconds
        _LOG.info(
            "progress: line %d, %d events sent, %d bad rows, event time %s",
            line,
            sent,
            bad_rows,
            event_time.isoformat(),
        )
        return True


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """How a replay ended: events handed to the producer, and whether Ctrl-C stopped it."""

    sent: int
    interrupted: bool


def replay(
    events: Iterable[tuple[int, MetricEvent]],
    sender: EventSender,
    topic: str,
    *,
    speed: float | None,
    pacer: Pacer,
    progress: Progress,
    rejects: RejectTally,
) -> ReplayResult:
    """Send `events` in order, each at its event time's offset from the first over `speed`.

    Stops early once a delivery has failed, or on Ctrl-C.
    """
    sent = 0
    first_time: datetime | None = None
    try:
        for line, event in events:
            if speed is not None:
                if first_time is None:
                    first_time = event.event_time
                # An event earlier than the first is late at once, so it goes without waiting.
                pacer.wait_until((event.event_time - first_time).total_seconds() / speed)
            sender.send(topic, event)
            sent += 1
            if sender.failed:
                _LOG.error("deliveries are failing; stopping at line %d", line)
                break
            progress.tick(sent, line, event.event_time, rejects.total)
    except KeyboardInterrupt:
        _LOG.info("interrupted; flushing")
        return ReplayResult(sent, interrupted=True)
    return ReplayResult(sent, interrupted=False)


class _Rejects:
    """Counts bad rows, shows the first few, and writes all of them to the rejects file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.tally = RejectTally()
        self._file: IO[bytes] | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = path.open("wb")
            except OSError as error:
                raise DexwatchError(f"cannot write {path}: {error.strerror or error}") from error

    def __call__(self, row: RejectedRow) -> None:
        self.tally.add(row)
        if self.tally.total <= _BAD_ROWS_SHOWN:
            _LOG.warning("bad row at line %d: %s: %s", row.line, row.kind, row.reason)
            if self.tally.total == _BAD_ROWS_SHOWN:
                _LOG.warning("further bad rows are counted, not shown")
        if self._file is not None:
            record = {"line": row.line, "kind": row.kind, "reason": row.reason, "text": row.text}
            self._file.write(orjson.dumps(record) + b"\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def run(args: argparse.Namespace) -> int:
    """Replay the file; exit 0 when done (bad rows or not), `NOTHING_SENT` when no event was
    sent, 130 on Ctrl-C."""
    file_format = args.format or detect_format(args.input)
    # Checked before a producer exists: a file that cannot work fails with nothing sent.
    source = open_events(args.input, file_format, _layout(args, file_format))
    pacer = Pacer()
    result = ReplayResult(0, interrupted=False)
    bootstrap_servers = kafka_settings(args).bootstrap_servers
    producer = EventProducer(
        bootstrap_servers,
        source=SOURCE,
        extra_config={"message.timeout.ms": _DELIVERY_TIMEOUT_MS},
    )
    _LOG.info(
        "replaying %s (%s) to topic=%s at %s, %s",
        args.input,
        file_format,
        args.topic,
        bootstrap_servers,
        f"at {args.speed:g}x event time" if args.speed else "as fast as possible",
    )
    finished = False
    with contextlib.closing(_Rejects(args.rejects)) as rejects:
        try:
            with producer:
                result = replay(
                    source.events(rejects),
                    producer,
                    args.topic,
                    speed=args.speed,
                    pacer=pacer,
                    progress=Progress(pacer, args.progress_every),
                    rejects=rejects.tally,
                )
                producer.flush(_FAILING_FLUSH_TIMEOUT_S if producer.failed else None)
            finished = True
        finally:
            _LOG.info(
                "%s: %d events sent, %d delivered, %s, %s, in %.1fs%s",
                _outcome(finished, result),
                result.sent,
                producer.delivered,
                rejects.tally.summary(),
                source.order_summary(),
                pacer.elapsed(),
                f"; bad rows written to {args.rejects}" if args.rejects else "",
            )
    if result.interrupted:
        return 130
    if not result.sent:
        _LOG.error(
            "no event was sent: %s",
            "every row was bad (see above)" if rejects.tally.total else "the file holds no rows",
        )
        return NOTHING_SENT
    return 0


def _outcome(finished: bool, result: ReplayResult) -> str:
    if not finished:
        return "stopped by an error"
    if result.interrupted:
        return "interrupted"
    return "done" if result.sent else "nothing sent"


def _layout(args: argparse.Namespace, file_format: str) -> CsvLayout:
    given = [name for name in _CSV_ONLY if getattr(args, name) not in (None, False)]
    if file_format != "csv":
        if given:
            options = ", ".join("--" + name.replace("_", "-") for name in given)
            raise ConfigError(f"{options}: for CSV input only (each JSON line is a whole event)")
        return CsvLayout()
    return CsvLayout(
        time_column=args.time_column or "timestamp",
        dimensions=args.dimensions or (),
        measures=args.measures or (),
        source=args.source or SOURCE,
        shape=column_shape(args),
        keep_order=args.keep_order,
    )
