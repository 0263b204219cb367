"""Drift actions per series per month on real series: the worker's scorer and drift, no Kafka.

    .venv/bin/python -m bench.drift_actions [--data ../shared/data] [--max-rows N]

Each CSV of `dex/` and `nab/` (a timestamp, then numeric measures) is one series of a dataset
with default settings, its interval the nearest of 1m..1d to the file's median step. Points go
through `DatasetScorer` and `SeriesDrift` in batches, as in the worker, with a snapshot every
`SNAPSHOT_EVERY` points (the worker's are by wall clock) and its 3 kept for rollbacks. Prints
per file the actions taken (retrain, rollback, alert), the decisions held by an anomaly, and
actions per 30 days. Issue 12's target on real series: a handful a year, not 20. Exit 2 when
the data folder is missing.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from bench.quality.data import DEFAULT_DATA
from dexwatch.streams.aggregation import ClosedInterval
from dexwatch.streams.datasets import DatasetConfig
from dexwatch.streams.drift import DriftMetrics
from dexwatch.streams.drift.series_drift import SeriesDrift
from dexwatch.streams.scoring.dataset_scorer import DatasetScorer, ScoredInterval
from dexwatch.streams.snapshots.store import Snapshot

__all__ = ["main", "replay"]

SERIES = "file=series"
BATCH = 500
SNAPSHOT_EVERY = 100
SNAPSHOTS_KEPT = 3  # the worker's default snapshot_history
_INTERVALS = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86_400}


def read_series(path: Path) -> tuple[list[datetime], list[dict[str, float]]]:
    """Times and measures of a CSV: `timestamp`, then numeric columns (names made valid)."""
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        names = [_measure_name(name) for name in header[1:]]
        times, rows = [], []
        for row in reader:
            times.append(datetime.fromisoformat(row[0]).replace(tzinfo=UTC))
            rows.append(dict(zip(names, map(float, row[1:]), strict=True)))
    return times, rows


def _measure_name(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]", "_", name.lower())
    return cleaned if cleaned[:1].isalpha() else f"m_{cleaned}"


def _interval(times: list[datetime]) -> str:
    steps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    median = statistics.median(steps) if steps else 60.0
    return min(_INTERVALS, key=lambda name: abs(_INTERVALS[name] - median))


def replay(path: Path, max_rows: int | None = None) -> tuple[Counter[str], int, float]:
    """(applied actions and held decisions by name, rows, days covered) for one file."""
    times, rows = read_series(path)
    times, rows = times[:max_rows], rows[:max_rows]
    dataset = DatasetConfig.model_validate(
        {
            "name": "replay",
            "source": {"topic": "replay"},
            "dimensions": ["file"],
            "measures": [{"name": name, "aggregation": "last"} for name in rows[0]],
            "interval": _interval(times),
            "drift": {"enabled": True},
        }
    )
    registry = CollectorRegistry()
    kept: list[Snapshot] = []
    scorer = DatasetScorer(dataset.series_settings)
    drift = SeriesDrift(dataset, scorer, "bench", lambda _: kept, DriftMetrics(registry))
    counts: Counter[str] = Counter()
    for first in range(0, len(rows), BATCH):
        batch = [
            ClosedInterval(SERIES, {"file": "series"}, at, at + timedelta(seconds=1), row, 1, ())
            for at, row in zip(
                times[first : first + BATCH], rows[first : first + BATCH], strict=True
            )
        ]
        for result in scorer.score(batch):
            if not isinstance(result, ScoredInterval):
                continue
            acted = drift.observe(result)
            if acted is not None:
                counts[acted[0].applied] += 1
            if scorer.points_seen(SERIES) % SNAPSHOT_EVERY == 0:
                state = scorer.state_of(SERIES)
                if state is not None:
                    kept.insert(0, Snapshot(state[0], result.interval.start, state[1], state[2]))
                    del kept[SNAPSHOTS_KEPT:]
    for reason in ("anomaly", "hold"):
        labels = {"dataset": "replay", "reason": reason}
        counts[f"held_{reason}"] = int(
            registry.get_sample_value("dexwatch_drift_held_total", labels) or 0
        )
    days = (times[-1] - times[0]).total_seconds() / 86_400 if len(times) > 1 else 0.0
    return counts, len(rows), days


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drift_actions", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="holds dex/ and nab/")
    parser.add_argument("--max-rows", type=int, default=None, help="replay at most this many")
    args = parser.parse_args(argv)
    folders = [args.data / "dex", args.data / "nab"]
    if not any(folder.is_dir() for folder in folders):
        print(f"no data: neither {folders[0]} nor {folders[1]} exists", file=sys.stderr)
        return 2
    print(f"{'file':52} {'rows':>7} {'days':>6} retrain rollback alert held/a held/h per_30d")
    total_actions, total_days = 0, 0.0
    for folder in folders:
        for path in sorted(folder.rglob("*.csv")):
            counts, rows, days = replay(path, args.max_rows)
            actions = counts["retrain"] + counts["rollback"] + counts["alert"]
            per_month = actions * 30 / days if days else 0.0
            total_actions, total_days = total_actions + actions, total_days + days
            name = str(path.relative_to(args.data))
            print(
                f"{name:52} {rows:7d} {days:6.1f} {counts['retrain']:7d} {counts['rollback']:8d}"
                f" {counts['alert']:5d} {counts['held_anomaly']:6d} {counts['held_hold']:6d}"
                f" {per_month:7.2f}",
                flush=True,
            )
    if total_days:
        print(
            f"all files: {total_actions} actions in {total_days:.0f} series-days, "
            f"{total_actions * 30 / total_days:.2f} per series per 30 days"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
