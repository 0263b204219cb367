"""Two workers in one fresh group on the same pre-produced topic (throughput's, when it ran
first in this run; otherwise one of its own)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.pipeline.context import Bench
from bench.pipeline.cpu import describe_cpu
from bench.pipeline.events import Fleet, stream
from bench.pipeline.output import say
from bench.pipeline.producing import produce_envelopes
from bench.pipeline.workers import drain

__all__ = ["TwoWorkersFigures", "run"]


@dataclass(frozen=True, slots=True)
class TwoWorkersFigures:
    events: int
    seconds: float  # first consumed record to every event scored, over both
    events_per_s: float
    scored: list[float]  # per worker
    versus_one_worker: float | None  # when throughput ran first
    cpu: dict[str, float]


def run(bench: Bench) -> TwoWorkersFigures:
    s = bench.sizes
    points = s.points
    n_events = points * s.series
    say(f"\n== two workers, one fresh group, {n_events:,} pre-produced events")
    topics = bench.throughput_topics
    if topics is None:
        fleet = Fleet.make(s.series, points, s.seed)
        topics = bench.topics("two")
        produce_envelopes(
            bench.bootstrap,
            topics["metrics"],
            stream(fleet, range(points), s.seed),
            n_events,
            s.envelope,
        )
    app_id = bench.app_id("two")
    workers = [bench.worker(topics, app_id) for _ in range(2)]
    try:
        result = drain(workers, n_events, bench.broker(), s.timeout)
    finally:
        for worker in workers:
            worker.terminate()  # side by side, not one after the other
        for worker in workers:
            worker.stop()
    rate = n_events / result.seconds
    shares = " + ".join(f"{scored:,.0f}" for scored in result.scored)
    ratio = rate / bench.one_worker_rate if bench.one_worker_rate else None
    versus = f"{ratio:.2f}x one worker" if ratio is not None else ""
    say(
        f"pipeline, two workers: {n_events:,} events in {result.seconds:.2f} s = "
        f"{rate:,.0f} events/s {versus} (scored {shares}); {describe_cpu(result.cpu)}"
    )
    bench.record(
        "throughput, two workers (one group)",
        f"{rate:,.0f} events/s",
        f"{versus}; scored {shares}; {describe_cpu(result.cpu)}",
    )
    return TwoWorkersFigures(n_events, result.seconds, rate, result.scored, ratio, result.cpu)
