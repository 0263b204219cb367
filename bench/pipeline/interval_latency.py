"""An interval dataset (1m): from the first event that moves the watermark past an interval's
end (+ lateness) being produced, to that interval's anomaly events arriving.

The warm-up is pre-produced (envelopes), so the partitions are read with skew; the allowed
lateness is set above the warm-up's span so none of it is late, and intervals then close
`lateness` behind the newest event time, driven by the steady producer."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from bench.pipeline.anomaly_reader import AnomalyReader
from bench.pipeline.context import Bench
from bench.pipeline.events import START, Fleet, iso, stream
from bench.pipeline.output import say
from bench.pipeline.producing import produce_envelopes
from bench.pipeline.stats import Percentiles, percentiles
from bench.pipeline.steady import Item, steady
from bench.pipeline.workers import CONSUMED, PRODUCED

__all__ = ["IntervalLatency", "run"]


@dataclass(frozen=True, slots=True)
class IntervalLatency:
    envelope: int
    series: int
    lateness_minutes: int
    warmup: int  # the detector's, in intervals
    rate: float  # achieved, events/s
    sent: int
    anomalies: int  # anomaly events read
    closing_to_anomaly: Percentiles  # of the anomalies whose closing event was noted


def _dataset(topic: str, lateness: int, warmup: int) -> str:
    return (
        "name: bench-interval\n"
        f"source: {{topic: {topic}}}\n"
        "dimensions: [chain, dex, pool]\n"
        "measures:\n"
        "  - {name: volume_usd, aggregation: sum}\n"
        "  - {name: tvl_usd, aggregation: last}\n"
        "  - {name: tx_count, aggregation: sum}\n"
        "interval: 1m\n"
        f"allowed_lateness: {lateness}m\n"
        f"detector: {{warmup: {warmup}}}\n"
    )


def run(bench: Bench, envelope: int) -> IntervalLatency:
    s = bench.sizes
    n_series, warmup = s.interval_series, s.interval_warmup
    lateness = warmup + 5  # minutes
    say(
        f"\n== interval close to anomaly: dataset 1m interval, allowed lateness {lateness}m, "
        f"{n_series} series, detector warm-up {warmup} intervals, {s.rate:,} events/s, "
        f"records of up to {envelope} events"
    )
    topics = bench.topics("interval")
    dataset = bench.root / f"interval-{uuid.uuid4().hex[:6]}.yaml"
    dataset.write_text(_dataset(topics["metrics"], lateness, warmup))
    steps = int(s.rate * s.seconds / n_series) + warmup + 10
    if steps <= warmup + lateness + 5:
        say("  (the steady phase is too short to close a warmed-up interval: raise --seconds)")
    fleet = Fleet.make(n_series, steps, s.seed + 4)
    reader = AnomalyReader(bench.bootstrap, topics["anomalies"])
    reader.start()
    records: list[bytes] = []
    produce_envelopes(
        bench.bootstrap,
        topics["metrics"],
        stream(fleet, range(warmup), s.seed),
        n_series * warmup,
        s.envelope,
        keep=records,
    )
    worker = bench.worker(topics, bench.app_id("interval"), {"DEXWATCH_DATASETS": str(dataset)})
    spike_every = max(1, int(s.probe_every_ms / 1000 * s.rate / n_series))
    try:
        deadline = time.monotonic() + s.timeout
        while worker.value(CONSUMED) < len(records):  # nothing closes yet: within lateness
            if time.monotonic() > deadline:
                raise TimeoutError("the interval worker did not read its warm-up")
            time.sleep(0.1)
        reader.assigned.wait(30)

        def items() -> Iterator[Item]:
            rng = random.Random(s.seed)
            order = list(range(n_series))
            for point in range(warmup, steps):
                at = iso(point)
                rng.shuffle(order)
                spike = order[0] if point % spike_every == 0 else -1
                for position, series in enumerate(order):
                    scale = 1000.0 if series == spike else 1.0
                    tag = ("minute", point) if position == 0 else None
                    yield fleet.keys[series], fleet.event(series, point, at, scale), tag

        sent = steady(
            bench.bootstrap, topics["metrics"], items(), envelope, s.rate, s.seconds, s.linger_ms
        )
        first_of_minute = {minute: at for (_, minute), at in sent.produced_at.items()}
        # Every record read, then the anomalies of what it closed on their way.
        deadline = time.monotonic() + s.timeout
        while worker.value(CONSUMED) < len(records) + sent.records:
            if time.monotonic() > deadline:
                raise TimeoutError("the interval worker did not read the steady phase")
            time.sleep(0.1)
        reader.wait_for(worker.value(PRODUCED), 3.0)
    finally:
        worker.stop()
        reader.finish()
    delays: list[float] = []
    minute0 = int(START.timestamp())
    for _, start, arrived, _detected in reader.arrivals:
        closing = (start - minute0) // 60 + 1 + lateness  # its first event closes it
        sent_at = first_of_minute.get(closing)
        if sent_at is not None:
            delays.append(arrived - sent_at)
    figures = IntervalLatency(
        envelope=envelope,
        series=n_series,
        lateness_minutes=lateness,
        warmup=warmup,
        rate=sent.rate,
        sent=sent.sent,
        anomalies=len(reader.arrivals),
        closing_to_anomaly=percentiles(delays),
    )
    say(
        f"interval close to anomaly event ({sent.rate:,.0f} events/s, {len(reader.arrivals)} "
        f"anomalies): {figures.closing_to_anomaly.describe()}"
    )
    bench.record(
        "interval dataset (1m): closing event produced to anomaly",
        figures.closing_to_anomaly.short(),
        f"{n_series} series, lateness {lateness}m, warm-up {warmup}",
    )
    return figures
