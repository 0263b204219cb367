"""A NAB-shaped corpus written on the fly, so that no test reads ../shared/data/nab.

`write_nab_like` writes `<folder>/<category>/<file>.csv` with NAB's layout (`timestamp,value`,
times as `YYYY-MM-DD HH:MM:SS`) and adds its entry to `<folder>/windows.json`: one window per
injected fault, as NAB labels them (`"category/file.csv": [[start, end], ...]`). The
series behaves like NAB's real-traffic files: a daily and a weekly cycle under multiplicative
noise, and at each fault a short surge several times the usual level, so the detector alerts.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

__all__ = ["NabLikeFile", "ec2_like", "taxi_like", "write_nab_like"]

FAULT_ROWS = 6  # rows a fault lasts
FAULT_FACTOR = 4.0  # the level during a fault, times the usual


@dataclass(frozen=True)
class NabLikeFile:
    data: Path
    labels: Path
    key: str  # the windows.json entry: `category/file.csv`, the data file's last two parts
    rows: int
    start: datetime


def _stamp(at: datetime, micros: bool = False) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f" if micros else "%Y-%m-%d %H:%M:%S")


def write_nab_like(
    folder: Path,
    key: str,
    *,
    rows: int,
    step: timedelta,
    start: datetime,
    faults: Sequence[int],
    window_rows: int,
    seed: int = 11,
) -> NabLikeFile:
    """`rows` points from `start`, `step` apart; a fault from each row in `faults`, each inside
    a labelled window of `window_rows` rows centred on it (NAB's windows are that wide)."""
    rng = random.Random(seed)
    day, week = timedelta(days=1) / step, timedelta(days=7) / step
    data = folder / key
    data.parent.mkdir(parents=True, exist_ok=True)
    lines = ["timestamp,value"]
    for row in range(rows):
        level = 100 * (1 + 0.4 * math.sin(2 * math.pi * row / day))
        level *= 1 - 0.2 * (row % week >= 5 * day)  # quieter weekends
        level *= math.exp(rng.gauss(0, 0.08))
        if any(first <= row < first + FAULT_ROWS for first in faults):
            level *= FAULT_FACTOR
        lines.append(f"{_stamp(start + row * step)},{level:.3f}")
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    half = window_rows // 2
    windows = [
        [
            _stamp(start + max(0, first - half) * step, micros=True),
            _stamp(start + min(rows - 1, first + half) * step, micros=True),
        ]
        for first in faults
    ]
    labels = folder / "windows.json"
    # One windows.json for every file of the folder, as NAB's corpus has it.
    entries = json.loads(labels.read_text(encoding="utf-8")) if labels.exists() else {}
    labels.write_text(json.dumps(entries | {key: windows}), encoding="utf-8")
    return NabLikeFile(data, labels, key, rows, start)


def ec2_like(folder: Path) -> NabLikeFile:
    """Shaped as NAB's realKnownCause/ec2_request_latency_system_failure.csv: 4,032 rows five
    minutes apart from 2014-03-07 03:41, three labelled faults."""
    return write_nab_like(
        folder,
        "synthetic/ec2_like_latency.csv",
        rows=4032,
        step=timedelta(minutes=5),
        start=datetime(2014, 3, 7, 3, 41),
        faults=(2600, 3300, 3900),
        window_rows=134,
    )


def taxi_like(folder: Path) -> NabLikeFile:
    """Shaped as NAB's realKnownCause/nyc_taxi.csv: 10,320 half-hours from 2014-07-01, five
    labelled faults."""
    return write_nab_like(
        folder,
        "synthetic/taxi_like.csv",
        rows=10_320,
        step=timedelta(minutes=30),
        start=datetime(2014, 7, 1),
        faults=(3000, 5000, 7000, 8500, 9800),
        window_rows=206,
    )
