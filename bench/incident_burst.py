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

from schemas import AnomalyEvent, MeasureContribution, anomaly_id, encode
from schemas.metric_event import series_key
from streams.datasets import DatasetConfig
from streams.incidents.incident_inputs import InputKind, Tick
from streams.incidents.incident_runner import IncidentRunner
from streams.metrics import WorkerMetrics

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
    writes: int
    bytes_written: int
    largest: int
    versions: int


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


def one_by_one(inputs: Sequence[Input]) -> Figures:
    """As the agent did before batches: each input handled, and its state written, alone."""
    runner = IncidentRunner([pools_dataset()], WorkerMetrics())
    stored: bytes | None = None
    writes = written = largest = versions = 0
    gc.collect()
    began = time.perf_counter()
    for kind, payload, now in inputs:
        handled = runner.handle("pools", kind, payload, stored, 0, now)
        versions += len(handled.events)
        if handled.state is not None:
            stored = handled.state
            writes += 1
            written += len(stored)
            largest = max(largest, len(stored))
    return Figures(len(inputs), time.perf_counter() - began, writes, written, largest, versions)


def _print(label: str, figures: Figures) -> None:
    print(
        f"{label:<28} {figures.inputs:>8,} inputs  {figures.seconds:8.2f} s  "
        f"{figures.inputs / figures.seconds:>9,.0f} inputs/s  {figures.writes:>7,} table writes  "
        f"{figures.bytes_written / 1e6:>9,.1f} MB written  largest state "
        f"{figures.largest / 1e3:,.0f} KB  {figures.versions:,} versions",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.incident_burst", description=__doc__)
    parser.add_argument("--anomalies", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for n_anomalies in args.anomalies:
        inputs = burst_inputs(n_anomalies, args.series, args.seed)
        anomalies = sum(1 for kind, _, _ in inputs if kind == "anomaly")
        print(f"burst: {anomalies:,} anomalies over {args.series:,} series, {len(inputs):,} inputs", flush=True)
        _print("one by one", one_by_one(inputs))


if __name__ == "__main__":
    main()
