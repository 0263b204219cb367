"""Events per second of the detectors and of a bare river `HalfSpaceTrees` loop, same events.

    python -m bench.speed [--series 1000] [--points 200] [--seed 7]

One process, one run, one core (the process is pinned to one CPU). Every model first learns
each series' warm-up points, untimed; the timed part is then the same `series x points`
events, interleaved across series as a stream delivers them:

(a) river's `HalfSpaceTrees` (same trees, height and window as ours, river defaults
    otherwise), one model per series, `score_one` then `learn_one` per event; its inputs are
    scaled into each series' warm-up box beforehand, untimed, which favours river;
(b) `HalfSpaceTreesDetector.process_many` on each series' events (`process_batch` groups them);
(b') the same detectors event by event, `score_one` then `learn_one`;
(c) `HalfSpaceTreesBank.process` on the whole batch, turning the event dicts into an array
    included, and (c') with the array ready;
(d) the whole per-series pipeline, `SeriesModel.process`, event by event, and (d') the same
    for all series in one `SeriesBank`, the whole batch in one call.

numba compiles (or loads from its cache) before anything is timed; that time is printed and
excluded. (a) and (b) must give identical scores: that is checked and printed too.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import time
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime, timedelta
from importlib import metadata
from typing import Any

import numpy as np
import numpy.typing as npt
from river.anomaly import HalfSpaceTrees

from dexwatch.detectors.base import Score, process_batch
from dexwatch.detectors.half_space_trees import HalfSpaceTreesBank, HalfSpaceTreesDetector

__all__ = ["dex_series", "machine", "main"]

FEATURES = ("volume_usd", "tvl_usd", "tx_count")
N_TREES, HEIGHT, WINDOW = 10, 8, 250
START = datetime(2026, 1, 5, tzinfo=UTC)
STEP = timedelta(minutes=5)


def machine() -> str:
    """Cores, CPU model, and the versions that matter, for the benchmark's record."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("numpy", "numba", "river"))
    return (
        f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}, {versions}"
    )


def pin_to_one_core() -> str:
    """Run on one CPU, as the targets are stated; returns which."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


def dex_series(n_series: int, n_points: int, seed: int) -> npt.NDArray[np.float64]:
    """DEX-like pools, shape (series, points, 3): volume, TVL and trades per 5 minutes.

    Volume follows a daily cycle with heavy noise and an occasional 10x spike, TVL a slow random
    walk, trades the volume.
    """
    rng = np.random.default_rng(seed)
    steps = np.arange(n_points)
    daily = 1 + 0.4 * np.sin(2 * np.pi * (steps * 5 / 60) / 24)
    tvl0 = 10 ** rng.uniform(5, 8, size=(n_series, 1))
    tvl = tvl0 * np.exp(np.cumsum(rng.normal(0, 0.002, (n_series, n_points)), axis=1))
    volume = 0.05 * tvl * daily * np.exp(rng.normal(0, 0.25, (n_series, n_points)))
    spikes = rng.random((n_series, n_points)) < 0.002
    volume[spikes] *= 10
    trades = np.round(volume / 5000 * np.exp(rng.normal(0, 0.1, (n_series, n_points)))) + 1
    return np.stack([volume, tvl, trades], axis=2)


def warmup_box(points: npt.NDArray[np.float64], margin: float = 0.5) -> npt.NDArray[np.float64]:
    """The box our detector fixes from its warm-up (same rule), to scale river's inputs."""
    box = np.empty((2, points.shape[1]))
    for j in range(points.shape[1]):
        low, high = float(points[:, j].min()), float(points[:, j].max())
        pad = margin * (high - low) or max(abs(high) * 0.1, 1.0)
        box[0, j], box[1, j] = low - pad, high + pad
    return box


def _timed(run: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--points", type=int, default=200, help="timed points per series")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    print(f"machine: {machine()} ({pinned})")

    from dexwatch.detectors.series_bank import SeriesBank
    from dexwatch.detectors.series_model import SeriesModel, SeriesModelSettings, epoch_seconds

    settings = SeriesModelSettings()
    series_warmup = max(WINDOW, int(getattr(settings, "warmup", WINDOW)))
    n_series, n_points = args.series, args.points
    data = dex_series(n_series, series_warmup + n_points, args.seed)
    names = sorted(FEATURES)
    columns = [FEATURES.index(name) for name in names]
    data = np.ascontiguousarray(data[:, :, columns])  # columns in sorted feature order
    hst_warm = data[:, series_warmup - WINDOW : series_warmup]  # the HSTs' warm-up points
    timed = data[:, series_warmup:]
    rng = random.Random(args.seed)
    order: list[int] = []
    for _ in range(n_points):  # each step, every series once, in a random order
        shuffled = list(range(n_series))
        rng.shuffle(shuffled)
        order += shuffled
    cursor = [0] * n_series
    events: list[tuple[int, int]] = []  # (series, point index)
    for series in order:
        events.append((series, cursor[series]))
        cursor[series] += 1
    timed_dicts = [
        [dict(zip(names, row, strict=True)) for row in timed[series].tolist()]
        for series in range(n_series)
    ]
    batch = [(str(series), timed_dicts[series][point]) for series, point in events]
    n_events = len(batch)
    print(
        f"events: {n_events:,} timed ({n_series:,} series x {n_points} points x "
        f"{len(FEATURES)} features, interleaved), after {WINDOW} untimed warm-up points per "
        f"series; HST: {N_TREES} trees, height {HEIGHT}, window {WINDOW}"
    )

    # JIT first: compile or load numba's cache on throwaway data, untimed.
    start = time.perf_counter()
    scratch = HalfSpaceTreesDetector(N_TREES, HEIGHT, WINDOW, WINDOW)
    scratch.process_many([dict(zip(names, row, strict=True)) for row in data[0].tolist()])
    scratch.score_one(batch[0][1])
    scratch.learn_one(batch[0][1])
    scratch_bank = HalfSpaceTreesBank(names, N_TREES, HEIGHT, WINDOW, WINDOW)
    scratch_bank.add()
    scratch_bank.process(np.zeros(len(data[0]), dtype=np.int64), data[0])
    scratch_model = SeriesModel(settings)
    scratch_model.process(dict(zip(names, data[0, 0].tolist(), strict=True)), START)
    print(f"numba compile or cache load: {time.perf_counter() - start:.2f} s (excluded)")

    results: list[tuple[str, float]] = []

    # (a) river, inputs pre-scaled into each series' box.
    boxes = [warmup_box(hst_warm[series]) for series in range(n_series)]
    rivers: list[Any] = [
        HalfSpaceTrees(n_trees=N_TREES, height=HEIGHT, window_size=WINDOW, seed=42)
        for _ in range(n_series)
    ]

    def scaled(
        rows: npt.NDArray[np.float64], box: npt.NDArray[np.float64]
    ) -> list[dict[Hashable, float]]:
        unit = (rows - box[0]) / (box[1] - box[0])
        return [dict(zip(names, row, strict=True)) for row in unit.tolist()]

    for series, model in enumerate(rivers):
        for x in scaled(hst_warm[series], boxes[series]):
            model.learn_one(x)
    river_inputs = [scaled(timed[series], boxes[series]) for series in range(n_series)]
    river_events = [(rivers[series], river_inputs[series][point]) for series, point in events]

    def run_river(river_events: list[tuple[Any, dict[Hashable, float]]]) -> list[float]:
        out = []
        for model, x in river_events:
            out.append(model.score_one(x))
            model.learn_one(x)
        return out

    seconds, river_scores = _timed(lambda: run_river(river_events))
    results.append(("(a)  river HalfSpaceTrees loop (pre-scaled inputs)", seconds))

    # (b) our detector, process_many per series.
    def warmed_detectors() -> dict[str, HalfSpaceTreesDetector]:
        detectors = {}
        for series in range(n_series):
            detector = HalfSpaceTreesDetector(N_TREES, HEIGHT, WINDOW, WINDOW, seed=42)
            detector.process_many(
                [dict(zip(names, row, strict=True)) for row in hst_warm[series].tolist()]
            )
            detectors[str(series)] = detector
        return detectors

    detectors = warmed_detectors()
    seconds, our_scores = _timed(lambda: process_batch(detectors, batch))
    results.append(("(b)  HalfSpaceTreesDetector.process_many per series", seconds))
    assert isinstance(river_scores, list)
    assert isinstance(our_scores, list)
    differences = [
        abs(float(theirs) - ours.value)
        for theirs, ours in zip(river_scores, our_scores, strict=True)
        if isinstance(ours, Score)
    ]

    # (b') the same, event by event.
    detectors = warmed_detectors()

    def run_loop() -> None:
        for key, x in batch:
            detector = detectors[key]
            detector.score_one(x)
            detector.learn_one(x)

    seconds, _ = _timed(run_loop)
    results.append(("(b') HalfSpaceTreesDetector score_one + learn_one loop", seconds))

    # (c) the bank, from dicts and from a ready array.
    def warmed_bank() -> HalfSpaceTreesBank:
        bank = HalfSpaceTreesBank(names, N_TREES, HEIGHT, WINDOW, WINDOW, seed=42)
        for _ in range(n_series):
            bank.add()
        index = np.repeat(np.arange(n_series), WINDOW)
        bank.process(index, hst_warm.reshape(-1, len(names)))
        return bank

    bank = warmed_bank()
    keys = {str(series): series for series in range(n_series)}

    def run_bank_from_dicts() -> object:
        index = np.fromiter((keys[key] for key, _ in batch), dtype=np.int64, count=n_events)
        X = np.array([[x[name] for name in names] for _, x in batch], dtype=np.float64)
        return bank.process(index, X)

    seconds, bank_scores = _timed(run_bank_from_dicts)
    results.append(("(c)  HalfSpaceTreesBank.process, event dicts to array included", seconds))
    bank = warmed_bank()
    index = np.array([series for series, _ in events], dtype=np.int64)
    X = np.array([timed[series, point] for series, point in events])
    seconds, _ = _timed(lambda: bank.process(index, X))
    results.append(("(c') HalfSpaceTreesBank.process, array ready", seconds))
    assert isinstance(bank_scores, np.ndarray)
    differences += np.abs(bank_scores - np.asarray(river_scores, dtype=np.float64)).tolist()

    # (d) the whole per-series pipeline, event by event, as the backtest runs it.
    models = {str(series): SeriesModel(settings) for series in range(n_series)}
    times = [START + STEP * step for step in range(series_warmup + n_points)]
    for series in range(n_series):
        models[str(series)].process_points(
            [
                (dict(zip(names, row, strict=True)), times[step])
                for step, row in enumerate(data[series, :series_warmup].tolist())
            ]
        )
    pipeline_events = [
        (models[key], x, times[series_warmup + point])
        for (key, x), (_, point) in zip(batch, events, strict=True)
    ]

    def run_pipeline() -> None:
        for model, measures, at in pipeline_events:
            model.process(measures, at)

    seconds, _ = _timed(run_pipeline)
    results.append((f"(d)  SeriesModel.process loop (after {series_warmup} points)", seconds))

    # (d') the same pipeline for every series in one SeriesBank, the whole batch in one call,
    # event dicts and times to arrays included (how a worker scores a batch of records).
    series_bank = SeriesBank(settings, names, capacity=n_series)
    for _ in range(n_series):
        series_bank.add()
    warm_times = np.array([epoch_seconds(at) for at in times])
    series_bank.process(
        np.repeat(np.arange(n_series), series_warmup),
        np.tile(warm_times[:series_warmup], n_series),
        data[:, :series_warmup].reshape(-1, len(names)),
    )

    def run_series_bank() -> object:
        index = np.fromiter((keys[key] for key, _ in batch), dtype=np.int64, count=n_events)
        at = np.fromiter(
            (warm_times[series_warmup + point] for _, point in events),
            dtype=np.float64,
            count=n_events,
        )
        X = np.array([[x[name] for name in names] for _, x in batch], dtype=np.float64)
        return series_bank.process(index, at, X)

    seconds, _ = _timed(run_series_bank)
    results.append(("(d') SeriesBank.process, event dicts to arrays included", seconds))

    base = n_events / results[0][1]
    for label, seconds in results:
        rate = n_events / seconds
        print(f"{label:<66} {rate:>10,.0f} events/s  {rate / base:5.2f}x (a)")

    print(
        f"scores of (b) and (c) against river's (a): max |difference| = {max(differences):.3g} "
        f"over {len(differences):,} scores"
    )

    # For reference: river with one model only, hot in the CPU caches (other events).
    single = min(n_events, 20_000)
    long = dex_series(1, WINDOW + single, args.seed + 1)[0][:, columns]
    lone: Any = HalfSpaceTrees(n_trees=N_TREES, height=HEIGHT, window_size=WINDOW, seed=42)
    box = warmup_box(long[:WINDOW])
    for x in scaled(long[:WINDOW], box):
        lone.learn_one(x)
    lone_events = [(lone, x) for x in scaled(long[WINDOW:], box)]
    seconds, _ = _timed(lambda: run_river(lone_events))
    rate = single / seconds
    print(
        f"reference: river on a single series ({single:,} events, one model): {rate:,.0f} "
        f"events/s; (b) is {n_events / results[1][1] / rate:.2f}x that"
    )


if __name__ == "__main__":
    main()
