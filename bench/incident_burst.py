"""A market-wide crash through the incident runner: inputs/s and what reaches the state table.

    python -m bench.incident_burst [--anomalies 10000 100000] [--series 10000] [--seed 7]

`IncidentRunner` is driven directly, no broker: one dataset, `--series` DEX pools (tokens,
DEXes and chains shared, so the whole crash relates into one incident), every series anomalous
in every interval until `--anomalies` have arrived. Each interval's anomalies arrive over one
second of simulated wall clock, in shuffled order, with a tick every 500 inputs and one after
the group wait closing the interval, as the worker's timer sends them. Inputs are encoded
beforehand, untimed; the timed part is what the `incidents` agent does with them.

Printed per run: inputs/s, total seconds, table writes, bytes written to the table (each write
is a whole-state changelog record), the largest state and the versions sent. One process on a
shared machine: the figures are approximate.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dexwatch.schemas import AnomalyEvent, MeasureContribution, anomaly_id, encode
from dexwatch.schemas.metric_event import series_key
from dexwatch.streams.datasets import DatasetConfig
from dexwatch.streams.engine.faust.incident_agents import BATCH_INPUTS, CHUNK_INPUTS
from dexwatch.streams.incidents.inputs import InputKind, Tick
from dexwatch.streams.incidents.runner import IncidentRunner
from dexwatch.streams.metrics import WorkerMetrics

__all__ = ["burst_inputs", "main"]

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
GROUP_WAIT_S = 2.0  # the default
TICK_EVERY = 500  # inputs between two ticks (the timer ticks every 0.5 s)
TOKENS = ("WETH", "USDC", "USDT", "WBTC", "DAI", "CRV", "UNI", "LINK", "AAVE", "MKR", "ARB", "OP")
DEXES = ("uniswap-v3", "uniswap-v2", "sushiswap", "curve", "balancer")
CHAINS = ("ethereum", "arbitrum", "base")
MEASURES = ("volume_usd", "tx_count", "tvl_usd", "price")

Input = tuple[InputKind, bytes, float]  # kind, record value, wall clock when handled


@dataclass(frozen=True, slots=True)
class Figures:
    inputs: int
    seconds: float
    cpu: float  # seconds of CPU: on a busy machine, less noisy than `seconds`
    writes: int
    bytes_written: int
    largest: int
    versions: int
    stretch: float  # the longest the event loop would wait: CPU seconds, not preemptions


def pools_dataset() -> DatasetConfig:
    return DatasetConfig.model_validate(
        {
            "name": "pools",
            "source": {"topic": "metrics"},
            "dimensions": ["chain", "dex", "pair", "pool"],
            "measures": [{"name": name, "aggregation": "sum"} for name in MEASURES],
            "interval": "5m",
        }
    )


def _pools(n_series: int, rng: random.Random) -> list[dict[str, str]]:
    pools = []
    for index in range(n_series):
        base, quote = rng.sample(TOKENS, 2)
        pools.append(
            {
                "chain": rng.choice(CHAINS),
                "dex": rng.choice(DEXES),
                "pair": f"{base}-{quote}",
                "pool": f"0x{index:040x}",
            }
        )
    return pools


def _anomaly(dimensions: dict[str, str], start: datetime, rng: random.Random) -> AnomalyEvent:
    """As the scoring agent makes them: a severity, two to four measures out of their band."""
    series = series_key(dimensions)
    moved = rng.sample(MEASURES, rng.randint(2, 4))
    return AnomalyEvent(
        anomaly_id=anomaly_id("pools", series, start, "hst-1"),
        dataset="pools",
        series=series,
        dimensions=dimensions,
        interval_start=start,
        interval_end=start + STEP,
        score=rng.uniform(0.6, 1.0),
        severity=rng.randint(50, 100),
        measures=[
            MeasureContribution(
                measure=name,
                value=rng.uniform(1e3, 1e7),
                expected_low=1e3,
                expected_high=1e6,
                deviation=rng.choice((-1, 1)) * rng.uniform(1.0, 12.0),
            )
            for name in moved
        ],
        detector_version="hst-1",
        detected_at=start + STEP,
        kind="anomaly",
        explanation="volume_usd far above its band; tx_count far above its band",
        config_hash="bench",
        model_snapshot_version=3,
        source_offsets=[],
    )


def burst_inputs(n_anomalies: int, n_series: int, seed: int) -> list[Input]:
    """The inputs of a burst of `n_anomalies` over `n_series` series, with their ticks."""
    rng = random.Random(seed)
    pools = _pools(n_series, rng)
    inputs: list[Input] = []
    now, made = 1_000_000.0, 0
    for interval in range(-(-n_anomalies // n_series)):
        start = START + interval * STEP
        order = rng.sample(range(n_series), min(n_series, n_anomalies - made))
        for arrived, index in enumerate(order, 1):
            moment = now + arrived / n_series
            inputs.append(("anomaly", encode(_anomaly(pools[index], start, rng)), moment))
            if arrived % TICK_EVERY == 0:
                inputs.append(("tick", encode(Tick(watermark=start)), moment))
        made += len(order)
        now += 1.0 + GROUP_WAIT_S  # the group wait is over: the window is judged
        inputs.append(("tick", encode(Tick(watermark=start + STEP)), now))
    return inputs


def _freeze() -> None:
    """Out of the collector's sight, as the worker's `HeapFreezer` does: the inputs held here
    would otherwise make full collections, not the runner, the longest stretches."""
    gc.collect()
    gc.freeze()


def one_by_one(inputs: Sequence[Input]) -> Figures:
    """As the agent did before batches: each input handled, and its state written, alone."""
    runner = IncidentRunner([pools_dataset()], WorkerMetrics())
    stored: bytes | None = None
    writes = written = largest = versions = 0
    _freeze()
    began, cpu = time.perf_counter(), time.thread_time()
    stretch = 0.0
    for kind, payload, now in inputs:
        since = time.thread_time()
        handled = runner.handle("pools", kind, payload, stored, 0, now)
        stretch = max(stretch, time.thread_time() - since)
        versions += len(handled.events)
        if handled.state is not None:
            stored = handled.state
            writes += 1
            written += len(stored)
            largest = max(largest, len(stored))
    seconds, cpu = time.perf_counter() - began, time.thread_time() - cpu
    # Before batches the agent yielded between inputs: the longest stretch was one input.
    return Figures(len(inputs), seconds, cpu, writes, written, largest, versions, stretch)


def batched(inputs: Sequence[Input]) -> Figures:
    """As the `incidents` agent does: batches of `BATCH_INPUTS`, each input applied, the state
    settled and written once per batch; the longest stretch between two yields is measured
    in CPU time (on a busy machine, wall time would count the other processes' turns too)."""
    runner = IncidentRunner([pools_dataset()], WorkerMetrics())
    stored: bytes | None = None
    writes = written = largest = versions = 0
    stretch = 0.0
    _freeze()
    began, cpu = time.perf_counter(), time.thread_time()
    for first in range(0, len(inputs), BATCH_INPUTS):
        batch = inputs[first : first + BATCH_INPUTS]
        since = time.thread_time()
        for index, (kind, payload, now) in enumerate(batch, 1):
            versions += len(runner.apply("pools", kind, payload, stored, 0, now))
            if index % CHUNK_INPUTS == 0:  # the agent yields to the event loop here
                stretch, since = max(stretch, time.thread_time() - since), time.thread_time()
        state = runner.settle("pools", batch[-1][2])
        stretch = max(stretch, time.thread_time() - since)
        if state is not None:
            stored = state
            writes += 1
            written += len(stored)
            largest = max(largest, len(stored))
    seconds, cpu = time.perf_counter() - began, time.thread_time() - cpu
    return Figures(len(inputs), seconds, cpu, writes, written, largest, versions, stretch)


def _print(label: str, figures: Figures) -> None:
    print(
        f"{label:<28} {figures.inputs:>8,} inputs  "
        f"{figures.seconds:8.2f} s ({figures.cpu:.2f} s CPU)  "
        f"{figures.inputs / figures.seconds:>9,.0f} inputs/s  {figures.writes:>7,} table writes  "
        f"{figures.bytes_written / 1e6:>9,.1f} MB written  largest state "
        f"{figures.largest / 1e3:,.0f} KB  {figures.versions:,} versions; "
        f"longest stretch without yielding {figures.stretch * 1e3:,.0f} ms CPU",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.incident_burst", description=__doc__)
    parser.add_argument("--anomalies", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batched-only", action="store_true", help="skip the slow one-by-one run")
    args = parser.parse_args(argv)
    for n_anomalies in args.anomalies:
        inputs = burst_inputs(n_anomalies, args.series, args.seed)
        anomalies = sum(1 for kind, _, _ in inputs if kind == "anomaly")
        print(
            f"burst: {anomalies:,} anomalies over {args.series:,} series, {len(inputs):,} inputs",
            flush=True,
        )
        if not args.batched_only:
            _print("one by one (before)", one_by_one(inputs))
        _print(f"batches of {BATCH_INPUTS:,} (now)", batched(inputs))


if __name__ == "__main__":
    main()
