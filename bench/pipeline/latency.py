"""Latency: a steady rate of single events or envelopes after the series are warmed up; produce
time to anomaly-event arrival, for natural anomalies and probe spikes; then an interval
dataset's delay from an interval's closing to its anomaly (`interval_latency`)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bench.pipeline import interval_latency
from bench.pipeline.anomaly_reader import AnomalyReader
from bench.pipeline.context import Bench
from bench.pipeline.cpu import cpu_seconds, describe_cpu
from bench.pipeline.events import Fleet, epoch, iso, stream
from bench.pipeline.output import say
from bench.pipeline.producing import produce_envelopes
from bench.pipeline.stats import Percentiles, histogram_quantile, percentiles
from bench.pipeline.steady import Item, steady
from bench.pipeline.workers import PRODUCED, SCORED, drain

__all__ = ["EventLatency", "LatencyFigures", "run"]


@dataclass(frozen=True, slots=True)
class EventLatency:
    """One steady run: produce to anomaly event, split at the worker's `detected_at`."""

    envelope: int  # 1: single events
    rate: float  # achieved, events/s
    warm_events: int
    sent: int
    scored: float  # the worker's scored counter once drained (warm-up included)
    behind_at_end: float  # events not yet scored when the steady phase ended
    natural: Percentiles
    probes: Percentiles
    probes_spiked: int
    produce_to_scored: Percentiles
    scored_to_reader: Percentiles
    histogram_count: float  # anomalies the worker's histogram counted in the steady phase
    histogram_p50_ms: float
    histogram_p99_ms: float
    cpu: dict[str, float]


@dataclass(frozen=True, slots=True)
class LatencyFigures:
    per_event: list[EventLatency]
    interval: interval_latency.IntervalLatency


def run(bench: Bench) -> LatencyFigures:
    sizes = bench.sizes.latency_envelopes
    per_event = [latency_per_event(bench, size) for size in sizes]
    return LatencyFigures(per_event, interval_latency.run(bench, max(sizes)))


def latency_per_event(bench: Bench, envelope: int) -> EventLatency:
    s = bench.sizes
    from dexwatch.detectors.series_settings import SeriesModelSettings

    warmup = SeriesModelSettings().warmup
    n_bg, n_probes = s.latency_series, s.probes
    form = "single events" if envelope <= 1 else f"envelopes of up to {envelope}"
    say(
        f"\n== latency, default dataset (every event scored): {s.rate:,} events/s for "
        f"{s.seconds:.0f} s as {form}, {n_bg:,} series + {n_probes} probe series, all warmed "
        f"up first ({warmup} points each)"
    )
    steps = int(s.rate * s.seconds / n_bg) + 10
    fleet = Fleet.make(n_bg, warmup + steps, s.seed + 1)
    probes = Fleet.make(n_probes, warmup + 1, s.seed + 2, prefix="0xfeed")
    topics = bench.topics("latency")
    reader = AnomalyReader(bench.bootstrap, topics["anomalies"])
    reader.start()

    def warm() -> Iterator[tuple[bytes, dict[str, object]]]:
        yield from stream(fleet, range(warmup), s.seed)
        yield from stream(probes, range(warmup), s.seed)

    n_warm = (n_bg + n_probes) * warmup
    produce_envelopes(bench.bootstrap, topics["metrics"], warm(), n_warm, s.envelope)
    worker = bench.worker(topics, bench.app_id("latency"))
    try:
        warmed = drain([worker], n_warm, {}, s.timeout)
        say(f"  warm-up drained in {warmed.seconds:.1f} s; steady phase")
        reader.assigned.wait(30)
        spiked: list[tuple[str, int]] = []
        every = max(1, int(s.rate * s.probe_every_ms / 1000))

        def items() -> Iterator[Item]:
            sent = 0
            rng = random.Random(s.seed)
            order = list(range(n_bg))
            for point in range(warmup, warmup + steps):
                at = iso(point)
                rng.shuffle(order)
                for series in order:
                    sent += 1
                    if sent % every == 0 and len(spiked) < n_probes:
                        probe = len(spiked)
                        spiked.append((probes.keys[probe].decode(), epoch(iso(warmup))))
                        event = probes.event(probe, warmup, iso(warmup), scale=1000.0)
                        yield probes.keys[probe], event, spiked[-1]
                    tag = (fleet.keys[series].decode(), epoch(at))
                    yield fleet.keys[series], fleet.event(series, point, at), tag

        before = worker.histogram()
        pids = {"worker": worker.pid} | bench.broker()
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        wall0 = time.monotonic()
        sent = steady(
            bench.bootstrap, topics["metrics"], items(), envelope, s.rate, s.seconds, s.linger_ms
        )
        wall = time.monotonic() - wall0
        cpu = {name: (cpu_seconds(pid) - cpu0[name]) / wall for name, pid in pids.items()}
        behind = n_warm + sent.sent - worker.value(SCORED)
        say(
            f"  sent {sent.sent:,} events at {sent.rate:,.0f}/s; scored-behind at the end: "
            f"{behind:,.0f} events; {describe_cpu(cpu)}"
        )
        drain_deadline = time.monotonic() + s.timeout
        while worker.value(SCORED) < n_warm + sent.sent and time.monotonic() < drain_deadline:
            time.sleep(0.1)
        reader.wait_for(worker.value(PRODUCED), 2.0)  # the last anomalies on their way
        after = worker.histogram()
        scored = worker.value(SCORED)
    finally:
        worker.stop()
        reader.finish()
    probe_tags = set(spiked)
    natural: list[float] = []
    probed: list[float] = []
    to_detected: list[float] = []  # produce() to the worker's `detected_at`
    to_arrival: list[float] = []  # `detected_at` to the bench's consumer
    for series, start, arrived, detected in reader.arrivals:
        sent_at = sent.produced_at.get((series, start))
        if sent_at is None:
            continue
        (probed if (series, start) in probe_tags else natural).append(arrived - sent_at)
        to_detected.append(detected - sent_at)
        to_arrival.append(arrived - detected)
    window = {bound: after.get(bound, 0.0) - before.get(bound, 0.0) for bound in after}
    p50, p99 = (histogram_quantile(window, p) * 1000 for p in (0.5, 0.99))
    hist = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    figures = EventLatency(
        envelope=envelope,
        rate=sent.rate,
        warm_events=n_warm,
        sent=sent.sent,
        scored=scored,
        behind_at_end=behind,
        natural=percentiles(natural),
        probes=percentiles(probed),
        probes_spiked=len(spiked),
        produce_to_scored=percentiles(to_detected),
        scored_to_reader=percentiles(to_arrival),
        histogram_count=window.get(float("inf"), 0.0),
        histogram_p50_ms=p50,
        histogram_p99_ms=p99,
        cpu=cpu,
    )
    say(
        f"latency, produce to anomaly event ({form}, {sent.rate:,.0f} events/s): natural "
        f"anomalies {figures.natural.describe()}; probe spikes {figures.probes.describe()} "
        f"({len(probed)} of {len(spiked)} probes alerted); worker histogram (arrival to "
        f"hand-over, {figures.histogram_count:,.0f} anomalies): {hist}"
    )
    say(
        f"  of which produce to scored (`detected_at`): {figures.produce_to_scored.describe()};"
        f" scored to the bench's consumer: {figures.scored_to_reader.describe()}"
    )
    bench.record(
        f"latency, produce to anomaly, {sent.rate:,.0f} events/s ({form})",
        percentiles(natural + probed).short(),
        f"natural {figures.natural.describe()}; probes {figures.probes.describe()}; worker "
        f"histogram {hist}; {describe_cpu(cpu)}",
    )
    return figures
