"""A backtest of a topic's range: the existing `dexwatch backtest --topic` run as a process.

The console imports none of the worker's internals: the worker's own handler and datasets
replay the topic in a child process (`cli.main backtest --topic`), whose output CSV
(one row per scored interval) is read back for the job's counts and anomalies.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dexwatch.console.api.documents import BacktestAnomaly
from dexwatch.console.errors import ConsoleError

__all__ = ["TopicBacktest", "TopicRange"]

_TIMEOUT_S = 3600.0
_KEEP_ANOMALIES = 1000


@dataclass(frozen=True, slots=True)
class TopicRange:
    topic: str
    from_offset: int | None = None
    from_time: datetime | None = None
    dataset: str | None = None  # only this dataset's rows (with several)


@dataclass(frozen=True, slots=True)
class TopicResult:
    rows_scored: int
    anomalies_found: int
    anomalies: list[BacktestAnomaly]


@dataclass(frozen=True, slots=True)
class TopicBacktest:
    bootstrap_servers: str
    datasets: Path | None  # the worker's datasets; None: its default dataset

    def run(self, asked: TopicRange, output: Path) -> TopicResult:
        command = [
            sys.executable,
            "-m",
            "dexwatch.cli.main",
            "--log-level",
            "WARNING",
            "backtest",
            "--topic",
            asked.topic,
            "--bootstrap-servers",
            self.bootstrap_servers,
            "--output",
            str(output),
        ]
        if self.datasets is not None:
            command += ["--datasets", str(self.datasets)]
        if asked.from_offset is not None:
            command += ["--from-offset", str(asked.from_offset)]
        if asked.from_time is not None:
            command += ["--from-time", asked.from_time.isoformat()]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise ConsoleError(
                f"the backtest ran over {_TIMEOUT_S:.0f} s and was stopped"
            ) from None
        if done.returncode != 0:
            said = (done.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
            raise ConsoleError(f"the topic backtest failed (exit {done.returncode}): {said}")
        return _read(output, asked.dataset)


def _read(output: Path, dataset: str | None) -> TopicResult:
    rows = anomalies = 0
    kept: list[BacktestAnomaly] = []
    with output.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if dataset is not None and row.get("dataset", dataset) != dataset:
                continue
            rows += 1
            if row["is_anomaly"] != "1":
                continue
            anomalies += 1
            if len(kept) < _KEEP_ANOMALIES:
                series = row.get("series") or ",".join(
                    v for k, v in row.items() if k not in _NOT_SERIES and v
                )
                kept.append(
                    BacktestAnomaly(
                        time=row["timestamp"],
                        series=series,
                        score=float(row["score"]),
                        severity=int(row["severity"]),
                        explanation=row["explanation"],
                    )
                )
    return TopicResult(rows, anomalies, kept)


_NOT_SERIES = {"timestamp", "dataset", "score", "severity", "is_anomaly", "explanation"}
