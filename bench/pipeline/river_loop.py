"""The bare river `HalfSpaceTrees` loop the throughput scenario compares the worker with."""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from bench.pipeline.events import Fleet
from bench.pipeline.output import say
from bench.speed import FEATURES, HEIGHT, N_TREES, WINDOW, warmup_box
from dexwatch.schemas.metric_event import series_key

__all__ = ["river_loop"]


def river_loop(records: list[bytes], fleet: Fleet, warm_points: int) -> tuple[float, int]:
    """Decode `records`, then time river HST over their events: (seconds, events).

    One model per series, `score_one` + `learn_one` per event, inputs pre-scaled into each
    series' box (untimed). The first `warm_points` of each series in `fleet` are its warm-up
    (learnt, untimed) and its box; without any, the box is that of all its points."""
    from river.anomaly import HalfSpaceTrees

    names = sorted(FEATURES)
    columns = [FEATURES.index(name) for name in names]
    index = {key.decode(): series for series, key in enumerate(fleet.keys)}
    started = time.monotonic()
    decoded: list[dict[str, Any]] = []
    for record in records:
        value = orjson.loads(record)  # an envelope (JSON array) or a single event
        decoded += value if isinstance(value, list) else [value]
    say(f"  decoded {len(decoded):,} events in {time.monotonic() - started:.1f} s (untimed)")
    warm = fleet.values[:, :warm_points] if warm_points else fleet.values
    boxes = [warmup_box(warm[series][:, columns]) for series in range(len(fleet.keys))]
    models: list[Any] = [
        HalfSpaceTrees(n_trees=N_TREES, height=HEIGHT, window_size=WINDOW, seed=42)
        for _ in fleet.keys
    ]

    def scaled(row: Sequence[float], box: npt.NDArray[np.float64]) -> dict[Hashable, float]:
        unit = (np.asarray(row) - box[0]) / (box[1] - box[0])
        return dict(zip(names, unit.tolist(), strict=True))

    started = time.monotonic()
    if warm_points:
        for series, model in enumerate(models):
            for row in warm[series][:, columns]:
                model.learn_one(scaled(row, boxes[series]))
            if (series + 1) % 2000 == 0:
                say(f"  river models warmed: {series + 1:,} / {len(models):,}")
        say(f"  river warm-up, {warm_points} points per model: {time.monotonic() - started:.0f} s")
    inputs: list[tuple[Any, dict[Hashable, float]]] = []
    for event in decoded:
        series = index[series_key(event["dimensions"])]
        measures = event["measures"]
        inputs.append((models[series], scaled([measures[name] for name in names], boxes[series])))
    del decoded
    started_perf = time.perf_counter()
    for model, x in inputs:
        model.score_one(x)
        model.learn_one(x)
    return time.perf_counter() - started_perf, len(inputs)
