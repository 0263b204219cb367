"""The USDC SVB depeg through the worker's handler and the incident runner: when the incident
opens, how long after the onset, and when it resolves. No Kafka.

    .venv/bin/python -m bench.svb_incident [--data ../shared/data] [--resolve-after 3h]

The real 15-minute USDC file (`dex/stablesafe_usdc_large_depeg_2023.csv`, its `close` as the
pool's `price`) goes row by row, in batches as the worker takes them, through
`MetricEventHandler` (the path `dexwatch backtest --topic` replays through) with the band
watch of the worker (`watch_bands`), and every anomaly and band status it would send to the
incidents agent goes through `IncidentRunner`, with a tick of the dataset's watermark after
each batch, as the worker's timer sends them. The onset is the episode's start in
`dex/windows.json`. Prints the incident versions and: open time, hours after the onset,
resolve time (and the price then), and the number of incidents. Exit 2 when the file is
missing.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench.quality.data import DEFAULT_DATA
from dexwatch.schemas import IncidentEvent, MetricEvent, encode
from dexwatch.streams.incidents.inputs import InputKind, Tick, input_kind
from dexwatch.streams.incidents.runner import IncidentRunner
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.scoring.band_watch import watch_bands
from dexwatch.streams.settings import WorkerSettings

__all__ = ["SvbRun", "main", "run"]

FILE = "dex/stablesafe_usdc_large_depeg_2023.csv"
TOPIC = "bench.usdc"
BATCH = 8  # rows per handler batch: two hours, so ticks and statuses interleave as live
DATASET = """
datasets:
  - name: stable-pools
    source: {{topic: {topic}}}
    dimensions: [pair]
    measures:
      - {{name: price, aggregation: last{rules}}}
    interval: 15m
    alerting: {{group_wait: 0s, resolve_after: {resolve_after}}}
"""


@dataclass(frozen=True, slots=True)
class SvbRun:
    versions: list[IncidentEvent]
    prices: dict[datetime, float]  # interval start -> close


def run(
    path: Path, resolve_after: str, workdir: Path, peg: tuple[float, float] | None = None
) -> SvbRun:
    """The file through the handler, band watch and incident runner; the versions sent.

    With `peg`, the price also has the threshold rule of the shipped stablecoin-pegs dataset
    (`deploy/datasets/stablecoin-pegs.yaml`): outside `peg` fires whatever the model has seen.
    """
    datasets = workdir / "datasets.yaml"
    rules = "" if peg is None else f", rules: [{{threshold: {{lower: {peg[0]}, upper: {peg[1]}}}}}]"
    datasets.write_text(DATASET.format(topic=TOPIC, resolve_after=resolve_after, rules=rules))
    metrics = WorkerMetrics()
    settings = WorkerSettings.model_validate({"datasets": datasets, "app_id": "bench-svb"})
    handler = MetricEventHandler(settings, metrics)
    bands = watch_bands(handler, settings.app_id)
    runner = IncidentRunner([r.dataset for r in handler.datasets], metrics)
    prices: dict[datetime, float] = {}
    records = []
    with path.open(newline="") as handle:
        for offset, row in enumerate(csv.DictReader(handle)):
            at = datetime.fromisoformat(row["timestamp"]).replace(tzinfo=UTC)
            prices[at] = float(row["close"])
            event = MetricEvent(
                event_time=at,
                source="bench",
                dimensions={"pair": "USDC-USDT"},
                measures={"price": float(row["close"])},
            )
            records.append(ConsumedRecord(TOPIC, 0, offset, b"USDC-USDT", encode(event)))
    versions: list[IncidentEvent] = []
    state: bytes | None = None
    wall = 0.0  # the book's wall clock: no group wait to wait out
    for start in range(0, len(records), BATCH):
        outputs = handler.handle_batch(records[start : start + BATCH]) + bands.take()
        inputs = [_input(settings, output) for output in outputs]
        watermark = handler.datasets[0].aggregator.watermark
        inputs.append(("tick", encode(Tick(watermark=watermark))))
        for kind, payload in inputs:
            if kind is None:
                continue
            wall += 1.0
            handled = runner.handle("stable-pools", kind, payload, state, 0, wall)
            versions += handled.events
            state = handled.state if handled.state is not None else state
    return SvbRun(versions, prices)


def _input(settings: WorkerSettings, output: OutputRecord) -> tuple[InputKind | None, bytes]:
    """What the incidents agent would get from this output (anomalies via the intake)."""
    if output.topic == settings.topics.anomalies:
        return "anomaly", output.value
    return input_kind(output.headers), output.value


def _onset(data: Path) -> datetime:
    windows = orjson.loads((data / "dex" / "windows.json").read_bytes())
    first, _ = windows[FILE][0]
    return datetime.fromisoformat(first).replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.svb_incident", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--resolve-after", default="3h", help="the dataset's alerting setting")
    parser.add_argument(
        "--peg",
        nargs=2,
        type=float,
        metavar=("LOWER", "UPPER"),
        help="add the stablecoin-pegs dataset's threshold rule on the price (e.g. 0.995 1.005)",
    )
    args = parser.parse_args(argv)
    path = args.data / FILE
    if not path.is_file():
        print(f"{path} not found: this benchmark needs ../shared/data (--data)", file=sys.stderr)
        return 2
    onset = _onset(args.data)
    with tempfile.TemporaryDirectory() as workdir:
        peg = None if args.peg is None else (args.peg[0], args.peg[1])
        result = run(path, args.resolve_after, Path(workdir), peg)
    for version in result.versions:
        resolved = (
            f" resolved_at {version.resolved_at:%Y-%m-%d %H:%M}" if version.resolved_at else ""
        )
        interval = f"{version.interval_start:%Y-%m-%d %H:%M}"
        print(
            f"v{version.version} {version.status:8} interval {interval} "
            f"severity {version.severity}{resolved}  {version.incident_id}"
        )
    incidents = {v.incident_id for v in result.versions}
    opened = [v for v in result.versions if v.status == "open"]
    print(f"file: {path} (onset {onset:%Y-%m-%d %H:%M} UTC, resolve_after {args.resolve_after})")
    print(f"incidents: {len(incidents)}")
    if not opened:
        print("no incident opened")
        return 0
    first = min(opened, key=lambda v: v.first_interval_start)
    hours = (first.first_interval_start - onset).total_seconds() / 3600
    print(f"open: {first.first_interval_start:%Y-%m-%d %H:%M} UTC ({hours:+.2f} h after onset)")
    ended = [
        v
        for v in result.versions
        if v.incident_id == first.incident_id and v.resolved_at is not None
    ]
    if not ended:
        print("resolve: still open at the end of the file")
        return 0
    resolved_at = ended[0].resolved_at
    assert resolved_at is not None
    price = result.prices.get(resolved_at.replace(second=0), float("nan"))
    print(f"resolve: {resolved_at:%Y-%m-%d %H:%M} UTC (price {price:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
