"""The shipped stablecoin-pegs dataset on real stablecoin prices: alerts, episodes, first alert.

    .venv/bin/python -m bench.stablecoin_pegs [--data ../shared/data]

Each real stablecoin file of `dex/` (USDC and USDT every 15 minutes, Binance USDe/USDT every
minute) goes through the worker's handler (`MetricEventHandler`) with the dataset of
`deploy/datasets/stablecoin-pegs.yaml` as shipped (its hourly interval, the threshold rule
0.995..1.005 on `price`, the model's settings), with two changes the files force: they have no
TVL, so `tvl_usd` is left out (`close` is the `price`, `volume` the `volume_usd`), and no
`alert_after` (everything here is history). Prints per file the hours judged, the alerts and
alert episodes (alerts less than 6 hours apart are one, as `dex/README.md` counts them), and
for a labelled episode the hours from its onset to the first alert inside it. Exit 2 when the
data is missing.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import yaml

from bench.quality.data import DEFAULT_DATA, REPOSITORY, MissingData, require
from dexwatch.schemas import MetricEvent, encode
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.scoring.dataset_scorer import ScoredInterval
from dexwatch.streams.settings import WorkerSettings

__all__ = ["main"]

SHIPPED = REPOSITORY / "deploy" / "datasets" / "stablecoin-pegs.yaml"
TOPIC = "bench.pegs"
FILES = (
    "stablesafe_usdc_large_depeg_2023.csv",
    "stablesafe_usdc_normal_depeg_1.csv",
    "stablesafe_usdc_normal_depeg_2.csv",
    "stablesafe_usdc_normal_depeg_3.csv",
    "stablesafe_usdc_no_depeg_1.csv",
    "stablesafe_usdc_no_depeg_2.csv",
    "stablesafe_usdc_no_depeg_3.csv",
    "stablesafe_usdt_price_history.csv",
    "binance_usde_minute.csv",
)
EPISODE_GAP = timedelta(hours=6)
BATCH = 1000


def _dataset_file(folder: Path) -> Path:
    data = yaml.safe_load(SHIPPED.read_text())
    [dataset] = data["datasets"]
    dataset["source"]["topic"] = TOPIC
    dataset["measures"] = [m for m in dataset["measures"] if m["name"] != "tvl_usd"]
    dataset.pop("alert_after", None)
    path = folder / "pegs.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _events(path: Path) -> list[MetricEvent]:
    dimensions = {
        "chain": "offchain",
        "dex": "market",
        "pool": path.stem,
        "pair": "STABLE-USD",
        "feed": "hourly",
        "stable_pair": "true",
    }
    with path.open(newline="") as rows:
        return [
            MetricEvent(
                event_time=datetime.fromisoformat(row["timestamp"]).replace(tzinfo=UTC),
                source="bench",
                dimensions=dimensions,
                measures={"price": float(row["close"]), "volume_usd": float(row["volume"])},
            )
            for row in csv.DictReader(rows)
        ]


def _judge(datasets: Path, events: list[MetricEvent]) -> list[ScoredInterval]:
    scored: list[ScoredInterval] = []
    handler = MetricEventHandler(
        WorkerSettings(datasets=datasets),
        WorkerMetrics(),
        on_scored=lambda _runtime, result: scored.append(result),
    )
    records = [
        ConsumedRecord(TOPIC, 0, offset, b"k", encode(event)) for offset, event in enumerate(events)
    ]
    for start in range(0, len(records), BATCH):
        handler.handle_batch(records[start : start + BATCH])
    handler.flush()  # the file is over: its last hours too
    return scored


def _episodes(times: list[datetime]) -> list[datetime]:
    starts: list[datetime] = []
    last: datetime | None = None
    for moment in times:
        if last is None or moment - last >= EPISODE_GAP:
            starts.append(moment)
        last = moment
    return starts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    args = parser.parse_args(argv)
    try:
        folder = require(args.data / "dex", "dex data")
        windows = orjson.loads(
            require(folder / "windows.json", "windows", folder=False).read_bytes()
        )
    except MissingData as error:
        print(error, file=sys.stderr)
        return 2
    print(f"{'file':40} {'hours':>6} {'judged':>6} {'alerts':>6} {'episodes':>8}  first alert")
    with tempfile.TemporaryDirectory() as scratch:
        datasets = _dataset_file(Path(scratch))
        for name in FILES:
            scored = _judge(datasets, _events(folder / name))
            judged = [s for s in scored if not s.verdict.warming_up]
            alerts = [s.interval.start for s in scored if s.verdict.is_anomaly]
            labelled = windows.get(f"dex/{name}")
            first = "unlabelled" if labelled is None else "no episode"
            for onset_text, end_text in labelled or []:
                onset = datetime.fromisoformat(onset_text).replace(tzinfo=UTC)
                end = datetime.fromisoformat(end_text).replace(tzinfo=UTC)
                inside = [a for a in alerts if onset - timedelta(hours=1) <= a <= end]
                first = (
                    f"{(inside[0] - onset).total_seconds() / 3600:+.1f} h after the onset"
                    if inside
                    else "missed"
                )
            print(
                f"{name:40} {len(scored):6} {len(judged):6} {len(alerts):6} "
                f"{len(_episodes(alerts)):8}  {first}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
