"""Throughput, one worker: pre-produced envelopes drained by one worker, against the bare river
loop over the same events (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.pipeline.context import Bench
from bench.pipeline.cpu import describe_cpu
from bench.pipeline.events import Fleet, stream
from bench.pipeline.output import say
from bench.pipeline.producing import PARTITIONS, produce_envelopes
from bench.pipeline.river_loop import river_loop
from bench.pipeline.workers import SCORED, drain

__all__ = ["ThroughputFigures", "run"]


@dataclass(frozen=True, slots=True)
class ThroughputFigures:
    events: int
    records: int
    seconds: float  # first consumed record to every event scored
    events_per_s: float
    startup_s: float  # worker start to its first consumed record (excluded)
    scored: float  # the worker's scored counter at the end
    series_live: float
    anomalies: float
    cpu: dict[str, float]  # CPU-seconds per wall second, by process
    river_events: int
    river_seconds: float
    river_events_per_s: float
    ratio: float  # pipeline / bare river loop, target >= 1


def run(bench: Bench) -> ThroughputFigures:
    s = bench.sizes
    points = s.points
    n_events = points * s.series
    form = "single events" if s.envelope == 1 else f"envelopes of up to {s.envelope} events"
    say(
        f"\n== throughput, one worker: {n_events:,} events = {s.series:,} series x {points} "
        f"points, {form}, {PARTITIONS} partitions"
    )
    fleet = Fleet.make(s.series, s.river_warmup + points, s.seed)
    topics = bench.topics("throughput")
    records: list[bytes] = []
    produce_envelopes(
        bench.bootstrap,
        topics["metrics"],
        stream(fleet, range(s.river_warmup, s.river_warmup + points), s.seed),
        n_events,
        s.envelope,
        keep=records,
    )
    bench.throughput_topics = topics
    worker = bench.worker(topics, bench.app_id("one"))
    try:
        result = drain([worker], n_events, bench.broker(), s.timeout)
        stats = worker.metrics() or {}
    finally:
        worker.stop()
    rate = n_events / result.seconds
    bench.one_worker_rate = rate
    say(
        f"pipeline, one worker: {n_events:,} events ({len(records):,} records) in "
        f"{result.seconds:.2f} s = {rate:,.0f} events/s (worker start to first record "
        f"{result.startup_s:.1f} s, excluded); {describe_cpu(result.cpu)}; series live "
        f"{stats.get('dexwatch_series_live', 0):,.0f}, anomalies "
        f"{stats.get('dexwatch_anomalies_produced_total', 0):,.0f}"
    )
    bench.record(
        "throughput, one worker (pipeline)",
        f"{rate:,.0f} events/s",
        f"{n_events:,} events in {result.seconds:.1f} s; {describe_cpu(result.cpu)}",
    )
    say(f"bare river HalfSpaceTrees loop over the same {n_events:,} decoded events ...")
    river_seconds, count = river_loop(records, fleet, s.river_warmup)
    n_records = len(records)
    del records
    river_rate = count / river_seconds
    say(
        f"bare river loop: {count:,} events in {river_seconds:.1f} s = {river_rate:,.0f} "
        f"events/s (1 core; {s.river_warmup} untimed warm-up points per model)"
    )
    say(f"ratio pipeline / bare river loop: {rate / river_rate:.2f}x (target >= 1)")
    bench.record("bare river HalfSpaceTrees loop, same events", f"{river_rate:,.0f} events/s")
    bench.record("ratio pipeline / river", f"{rate / river_rate:.2f}x", "target >= 1")
    return ThroughputFigures(
        events=n_events,
        records=n_records,
        seconds=result.seconds,
        events_per_s=rate,
        startup_s=result.startup_s,
        scored=stats.get(SCORED, 0.0),
        series_live=stats.get("dexwatch_series_live", 0.0),
        anomalies=stats.get("dexwatch_anomalies_produced_total", 0.0),
        cpu=result.cpu,
        river_events=count,
        river_seconds=river_seconds,
        river_events_per_s=river_rate,
        ratio=rate / river_rate,
    )
