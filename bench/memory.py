"""Resident memory and saved state per warmed-up series, for 100,000 series.

    python -m bench.memory [--series 100000] [--pipeline-series 1000] [--seed 7]

Each measurement runs in a fresh child process, so memory freed by one cannot be reused by the
next: the child imports everything, warms up numba, reads its resident set size (VmRSS), builds
the series, reads VmRSS again and divides the difference by the number of series.

- `HalfSpaceTreesDetector`: one object per series (held in a list), 10 trees of height 8, a
  window and warm-up of 250, each series fed 375 DEX-like points (warm-up done, half a window
  learnt since); also the size of each series' `to_state()`.
- `HalfSpaceTreesBank`: the same series, warmed the same way, in one bank.
- `SeriesBank`, the whole per-series pipeline (what the worker holds), 100,000 series fed
  past their own warm-up in batches; and `SeriesModel`, the same pipeline as one object per
  series, on `--pipeline-series` series; with the size of one series' `to_state()`.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.speed import FEATURES, HEIGHT, N_TREES, WINDOW, dex_series, machine

__all__ = ["main", "resident_bytes"]

POINTS = WINDOW + WINDOW // 2
CHUNK = 1000  # series generated at a time
START = datetime(2026, 1, 5, tzinfo=UTC)
STEP = timedelta(minutes=5)


def resident_bytes() -> int:
    """This process's resident set size now (VmRSS), in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _settled() -> tuple[int, int]:
    """VmRSS now, and after glibc gives back the free heap memory it keeps (malloc_trim).

    Buffers freed at the end of each warm-up stay in the heap, for later allocations to reuse,
    until then.
    """
    gc.collect()
    now = resident_bytes()
    libc_name = ctypes.util.find_library("c")
    if libc_name is not None:
        libc = ctypes.CDLL(libc_name)
        if hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    return now, resident_bytes()


def _names() -> tuple[list[str], list[int]]:
    names = sorted(FEATURES)
    return names, [FEATURES.index(name) for name in names]


def _warm_numba() -> None:
    from dexwatch.detectors.half_space_trees import HalfSpaceTreesBank, HalfSpaceTreesDetector

    names, columns = _names()
    rows = dex_series(1, POINTS, 0)[0][:, columns]
    detector = HalfSpaceTreesDetector(N_TREES, HEIGHT, WINDOW, WINDOW)
    detector.process_many([dict(zip(names, row, strict=True)) for row in rows.tolist()])
    bank = HalfSpaceTreesBank(names, N_TREES, HEIGHT, WINDOW, WINDOW)
    bank.add()
    bank.process(np.zeros(len(rows), dtype=np.int64), rows)


def measure_detectors(n_series: int, seed: int) -> dict[str, Any]:
    from dexwatch.detectors.half_space_trees import HalfSpaceTreesDetector
    from dexwatch.detectors.state_codec import decode_state, encode_state

    names, columns = _names()
    _warm_numba()
    before = _settled()[1]
    detectors: list[HalfSpaceTreesDetector] = []
    for start in range(0, n_series, CHUNK):
        data = dex_series(min(CHUNK, n_series - start), POINTS, seed + start)[:, :, columns]
        for rows in data:
            detector = HalfSpaceTreesDetector(N_TREES, HEIGHT, WINDOW, WINDOW)
            detector.process_many([dict(zip(names, rows[0].tolist(), strict=True))])
            detector.process_array(rows[1:])
            detectors.append(detector)
        del data
    after, trimmed = _settled()
    assert not any(detector.warming_up for detector in detectors)
    sizes = np.array([len(detector.to_state()) for detector in detectors])
    state = decode_state(detectors[0].to_state())
    plain = encode_state(state.kind, state.params, state.arrays, state.scalars)
    return {
        "series": n_series,
        "rss_per_series": (after - before) / n_series,
        "trimmed_per_series": (trimmed - before) / n_series,
        "rss_total": after - before,
        "state_mean": float(sizes.mean()),
        "state_min": int(sizes.min()),
        "state_max": int(sizes.max()),
        "state_uncompressed": len(plain),
    }


def measure_bank(n_series: int, seed: int) -> dict[str, Any]:
    from dexwatch.detectors.half_space_trees import HalfSpaceTreesBank

    names, columns = _names()
    _warm_numba()
    before = _settled()[1]
    bank = HalfSpaceTreesBank(names, N_TREES, HEIGHT, WINDOW, WINDOW, capacity=n_series)
    for _ in range(n_series):
        bank.add()
    for start in range(0, n_series, CHUNK):
        count = min(CHUNK, n_series - start)
        data = dex_series(count, POINTS, seed + start)[:, :, columns]
        index = np.repeat(np.arange(start, start + count), POINTS)
        bank.process(index, data.reshape(-1, len(names)))
        del data, index
    after, trimmed = _settled()
    assert not any(bank.warming_up(index) for index in range(n_series))
    return {
        "series": n_series,
        "rss_per_series": (after - before) / n_series,
        "trimmed_per_series": (trimmed - before) / n_series,
    }


def _pipeline_points() -> tuple[int, npt.NDArray[np.float64]]:
    from dexwatch.detectors.series_model import SeriesModelSettings, epoch_seconds

    points = SeriesModelSettings().warmup + WINDOW // 2
    times = np.array([epoch_seconds(START + STEP * step) for step in range(points)])
    return points, times


def measure_pipeline(n_series: int, seed: int) -> dict[str, Any]:
    """`SeriesModel` objects, one per series, each warmed with its own batch of points."""
    from dexwatch.detectors.series_model import SeriesModel, SeriesModelSettings

    names, columns = _names()
    settings = SeriesModelSettings()
    points, times = _pipeline_points()
    SeriesModel(settings).process_points([(dict.fromkeys(names, 1.0), 0.0)])  # numba
    before = _settled()[1]
    models = []
    for start in range(0, n_series, CHUNK):
        data = dex_series(min(CHUNK, n_series - start), points, seed + start)[:, :, columns]
        for rows in data.tolist():
            model = SeriesModel(settings)
            verdicts = model.process_points(
                [
                    (dict(zip(names, row, strict=True)), at)
                    for row, at in zip(rows, times.tolist(), strict=True)
                ]
            )
            assert not verdicts[-1].warming_up
            models.append(model)
        del data
    after, trimmed = _settled()
    return {
        "series": n_series,
        "points": points,
        "rss_per_series": (after - before) / n_series,
        "trimmed_per_series": (trimmed - before) / n_series,
        "state": len(models[0].to_state()),
    }


def measure_series_bank(n_series: int, seed: int) -> dict[str, Any]:
    """All series in one `SeriesBank`, warmed a chunk of series at a time."""
    from dexwatch.detectors.series_bank import SeriesBank
    from dexwatch.detectors.series_model import SeriesModelSettings

    names, columns = _names()
    points, times = _pipeline_points()
    before = _settled()[1]
    bank = SeriesBank(SeriesModelSettings(), names, capacity=n_series)
    for _ in range(n_series):
        bank.add()
    for start in range(0, n_series, CHUNK):
        count = min(CHUNK, n_series - start)
        data = dex_series(count, points, seed + start)[:, :, columns]
        bank.process(
            np.repeat(np.arange(start, start + count), points),
            np.tile(times, count),
            data.reshape(-1, len(names)),
        )
        del data
    after, trimmed = _settled()
    assert not any(bank.warming_up(row) for row in range(n_series))
    return {
        "series": n_series,
        "points": points,
        "rss_per_series": (after - before) / n_series,
        "trimmed_per_series": (trimmed - before) / n_series,
        "layout": bank.layout.bytes_per_series(),
        "state": len(bank.to_state(0)),
    }


def _in_child(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--pipeline-series", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(
        f"series: DEX-like, {len(FEATURES)} features; HST {N_TREES} trees, height {HEIGHT}, "
        f"window {WINDOW}, warm-up {WINDOW}, {POINTS} points each"
    )
    kib = 1024.0
    hst = _in_child(measure_detectors, args.series, args.seed)
    print(
        f"HalfSpaceTreesDetector x {hst['series']:,}: resident {hst['rss_per_series'] / kib:.2f} "
        f"KiB per series ({hst['rss_total'] / kib**2:,.0f} MiB in all), "
        f"{hst['trimmed_per_series'] / kib:.2f} KiB after malloc_trim; to_state() "
        f"{hst['state_mean']:,.0f} bytes per series on average "
        f"(min {hst['state_min']:,}, max {hst['state_max']:,}; "
        f"{hst['state_uncompressed']:,} uncompressed)"
    )
    bank = _in_child(measure_bank, args.series, args.seed)
    print(
        f"HalfSpaceTreesBank x {bank['series']:,}: resident "
        f"{bank['rss_per_series'] / kib:.2f} KiB per series, "
        f"{bank['trimmed_per_series'] / kib:.2f} KiB after malloc_trim"
    )
    series_bank = _in_child(measure_series_bank, args.series, args.seed)
    print(
        f"SeriesBank x {series_bank['series']:,} (the whole pipeline, {series_bank['points']} "
        f"points each): resident {series_bank['rss_per_series'] / kib:.2f} KiB per series, "
        f"{series_bank['trimmed_per_series'] / kib:.2f} KiB after malloc_trim "
        f"({series_bank['layout']:,} bytes of arrays); to_state() {series_bank['state']:,} bytes"
    )
    pipeline = _in_child(measure_pipeline, args.pipeline_series, args.seed)
    print(
        f"SeriesModel x {pipeline['series']:,} (one object per series, {pipeline['points']} "
        f"points each): resident {pipeline['rss_per_series'] / kib:.2f} KiB per series, "
        f"{pipeline['trimmed_per_series'] / kib:.2f} KiB after malloc_trim; "
        f"to_state() {pipeline['state']:,} bytes"
    )


if __name__ == "__main__":
    main()
