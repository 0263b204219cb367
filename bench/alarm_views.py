"""Which view raised each alert episode of a labelled file, and against what.

    .venv/bin/python -m bench.alarm_views ../shared/data/dex/binance_usde_minute.csv [...] [--all]

A file is one series (`timestamp`, then numeric measures), run through a fresh model with the
default settings. For each alert episode outside every window of the `windows.json` beside it
(alerts less than 6 h apart are one episode, as in `bench.quality`; `--all`: inside too), its
first alert: the time, the score, the view and measure with the largest ratio, the value that
view judged and its band (the measure's own units), the deviation in the view's sd, that sd in
resolutions of the measure (its floor: 1 means a spread at the floor, a flat series) and the
record it beat (the view's |z| net of the resolution, weighted, over its ratio). Then every
other view whose ratio passed 0.8. Exit 2 when a file is missing.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.quality.data import WINDOWS, MissingData, require
from bench.quality.episodes import alert_episodes
from dexwatch.detectors import kernel_params as params
from dexwatch.detectors.evaluation.labels import TimeWindow, nab_key, read_nab_windows
from dexwatch.detectors.series_bank import BankOutput, SeriesBank
from dexwatch.detectors.series_layout import VIEWS
from dexwatch.detectors.series_model import SeriesModelSettings, epoch_seconds
from dexwatch.detectors.signed_log import signed_log, signed_log_inverse

__all__ = ["AlarmView", "alarm_views", "main"]

Floats = npt.NDArray[np.float64]

_ALSO_ABOVE = 0.8  # other views worth a line: close to a record themselves


@dataclass(frozen=True, slots=True)
class AlarmView:
    """One view of one measure at an episode's first alert."""

    measure: str
    view: str
    ratio: float
    value: float
    low: float
    high: float
    deviation: float
    sd_in_resolutions: float
    record: float


@dataclass(frozen=True, slots=True)
class Episode:
    at: datetime
    alerts: int
    in_window: bool
    score: float
    fired: AlarmView
    also: tuple[AlarmView, ...]


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def read_file(path: Path) -> tuple[tuple[str, ...], list[datetime], Floats]:
    with require(path, "CSV file", folder=False).open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    # Naive times are UTC, as the labels' are taken.
    times = [_utc(datetime.fromisoformat(row[0])) for row in rows]
    return tuple(header[1:]), times, np.array([[float(c) for c in row[1:]] for row in rows])


def _floors(values: Floats, settings: SeriesModelSettings, logged: npt.NDArray[np.bool_]) -> Floats:
    """Each point's resolution per measure, as the kernel takes it (`series_kernel._resolution`):
    the smallest step before the point, or the relative resolution of its value, in the space
    the measure was modelled in at that point (`logged`; with transform "auto" a measure that
    leaves the log carries its smallest step over to first order, here taken afresh)."""
    return np.where(
        logged, _space_floors(values, settings, True), _space_floors(values, settings, False)
    )


def _space_floors(values: Floats, settings: SeriesModelSettings, logged: bool) -> Floats:
    moved = np.vectorize(signed_log)(values) if logged else values
    steps = np.abs(np.diff(moved, axis=0))
    steps[steps <= 1e-12 * np.maximum(1.0, np.abs(moved[1:]))] = np.inf
    quantum = np.vstack([np.full((2, values.shape[1]), np.inf), steps[:-1]])
    quantum = np.minimum.accumulate(quantum, axis=0)
    first_move = np.vstack([np.zeros((1, values.shape[1])), np.abs(np.diff(moved, axis=0))])
    quantum = np.where(np.isinf(quantum), first_move, quantum)
    relative = settings.resolution * np.abs(values)
    if logged:
        relative /= 1.0 + np.abs(values)
    floors: Floats = np.maximum(quantum, relative)
    return floors


def _view(
    bank: SeriesBank, output: BankOutput, index: int, measure: int, view: int, floor: float
) -> AlarmView:
    cell = output.views[index, measure, view]
    width = bank.settings.band_width
    spread = float(cell[params.OUT_HIGH] - cell[params.OUT_LOW]) / (2.0 * width)
    deviation = float(cell[params.OUT_DEVIATION])
    ratio = float(cell[params.OUT_RATIO])
    net = max(abs(deviation) - floor / spread, 0.0) if spread > 0.0 else abs(deviation)
    weight = bank.settings.change_weight if VIEWS[view] == "change" else 1.0
    logged = cell[params.OUT_LOGGED] == 1.0  # the space the measure was modelled in then

    def inverse(value: float) -> float:  # the measure's own units, as explanations give them
        return signed_log_inverse(value) if logged else value

    return AlarmView(
        measure=bank.measures[measure],
        view=VIEWS[view],
        ratio=ratio,
        value=inverse(float(cell[params.OUT_VALUE])),
        low=inverse(float(cell[params.OUT_LOW])),
        high=inverse(float(cell[params.OUT_HIGH])),
        deviation=deviation,
        sd_in_resolutions=spread / floor if floor > 0.0 else math.inf,
        record=weight * net / ratio if ratio > 0.0 else math.nan,
    )


def alarm_views(path: Path, settings: SeriesModelSettings, every: bool = False) -> list[Episode]:
    """The file's alert episodes (outside its windows, or all of them), each with its views."""
    windows: list[TimeWindow] = []
    labels = path.parent / WINDOWS
    if labels.is_file():
        windows = read_nab_windows(labels).get(nab_key(path), [])
    names, times, values = read_file(path)
    bank = SeriesBank(settings, names, capacity=1)
    bank.add()
    inputs = values[:, [names.index(name) for name in bank.inputs]]
    seconds = np.array([epoch_seconds(at) for at in times])
    output = bank.process(np.zeros(len(times), dtype=np.int64), seconds, inputs)
    floors = _floors(
        bank.columns(inputs), settings, output.views[:, :, 0, params.OUT_LOGGED] == 1.0
    )
    alerts = np.flatnonzero(output.scores >= settings.alert_threshold)
    row_of = {times[int(row)]: int(row) for row in alerts}
    episodes = []
    for first, last in alert_episodes(times[int(row)] for row in alerts):
        in_window = any(start <= first <= end for start, end in windows)
        if in_window and not every:
            continue
        index = row_of[first]
        ratios = np.nan_to_num(output.views[index, :, :, params.OUT_RATIO], nan=-1.0)
        views = [
            _view(bank, output, index, measure, view, float(floors[index, measure]))
            for measure, view in zip(*np.nonzero(ratios > _ALSO_ABOVE), strict=True)
        ]
        views.sort(key=lambda view: -view.ratio)
        count = sum(1 for row in alerts if first <= times[int(row)] <= last)
        if views:
            score = float(output.scores[index])
            episodes.append(Episode(first, count, in_window, score, views[0], tuple(views[1:])))
    return episodes


def _line(view: AlarmView) -> str:
    return (
        f"{view.measure}/{view.view} {view.value:.6g} in {view.low:.6g}..{view.high:.6g} "
        f"({view.deviation:+.2f} sd; sd = {view.sd_in_resolutions:.3g} resolutions) "
        f"ratio {view.ratio:.2f} over a record of {view.record:.2f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alarm_views", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--all", action="store_true", help="episodes inside windows too")
    args = parser.parse_args(argv)
    settings = SeriesModelSettings()
    try:
        for path in args.files:
            episodes = alarm_views(path, settings, every=args.all)
            print(f"{path}: {len(episodes)} episode(s)")
            for episode in episodes:
                kind = "in window" if episode.in_window else "false alarm"
                print(
                    f"  {episode.at:%Y-%m-%d %H:%M} {kind}, {episode.alerts} alert(s), score "
                    f"{episode.score:.3f}: {_line(episode.fired)}"
                )
                for view in episode.also:
                    print(f"      also {_line(view)}")
    except MissingData as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
