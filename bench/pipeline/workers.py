"""The bench's workers (`tests.support.WorkerProcess`, read as the bench needs) and `drain`:
the time from the first consumed record to a number of scored events."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.pipeline.cpu import cpu_seconds
from bench.pipeline.output import say
from tests.support.worker_process import WorkerProcess

__all__ = ["CONSUMED", "LATENCY", "PRODUCED", "SCORED", "Drain", "Worker", "drain", "total"]

CONSUMED = "dexwatch_events_consumed_total"
SCORED = "dexwatch_events_scored_total"
LATENCY = "dexwatch_processing_latency_seconds"
PRODUCED = "dexwatch_anomalies_produced_total"


class Worker(WorkerProcess):
    """A `dexwatch worker` subprocess under `root`, logging at `log_level` (WARNING: the
    bench reads /metrics, not the log)."""

    def __init__(
        self,
        bootstrap: str,
        app_id: str,
        topics: dict[str, str],
        root: Path,
        env: dict[str, str] | None = None,
        log_level: str = "WARNING",
    ) -> None:
        data_dir = root / f"{app_id}-{uuid.uuid4().hex[:6]}"
        super().__init__(bootstrap, app_id, topics, data_dir, env, log_level=log_level)

    def metrics(self) -> dict[str, float] | None:
        """Samples without labels, and `LATENCY_bucket` ones as `LATENCY_bucket:<le>`; None
        while /metrics does not answer. Fails when the worker has exited."""
        self.check_running()
        samples = self.metric_samples()
        if samples is None:
            return None
        values: dict[str, float] = {}
        for sample in samples:
            if not sample.labels:
                values[sample.name] = float(sample.value)
            elif sample.name == f"{LATENCY}_bucket":
                values[f"{sample.name}:{sample.labels['le']}"] = float(sample.value)
        return values

    def value(self, name: str) -> float:
        return (self.metrics() or {}).get(name, 0.0)

    def histogram(self) -> dict[float, float]:
        """The latency histogram's buckets: upper bound -> cumulative count."""
        prefix = f"{LATENCY}_bucket:"
        reading = self.metrics() or {}
        return {float(k[len(prefix) :]): v for k, v in reading.items() if k.startswith(prefix)}

    def stop(self, timeout_s: float = 60.0) -> None:
        # A worker holding many series writes their snapshots on the way out.
        super().stop(timeout_s)


@dataclass
class Drain:
    """From the first consumed record to `target` scored events, over one or more workers."""

    seconds: float
    startup_s: float  # worker start to its first consumed record
    scored: list[float]
    cpu: dict[str, float] = field(default_factory=dict)  # CPU-seconds per wall second


def total(workers: Sequence[Worker], name: str) -> float:
    return sum(worker.value(name) for worker in workers)


def drain(
    workers: Sequence[Worker],
    target: int,
    others: dict[str, int],
    timeout_s: float,
) -> Drain:
    """Time from the start of consumption to `target` scored events, polling /metrics.

    A worker's /metrics is served by the event loop that runs its batches, so it does not answer
    while it handles one: the first increase of the consumed counter is seen only after the
    first batch (which may hold 200,000 events). The start is therefore the last poll sent
    while every worker still reported nothing consumed (an upper bound on the time taken). CPU
    use of the workers and `others` (name: pid) is read from /proc over the same span."""
    deadline = time.monotonic() + timeout_s
    first = min(worker.started_at for worker in workers)
    pids = {f"worker {i + 1}": worker.pid for i, worker in enumerate(workers)} | others

    def cpu_now() -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in pids.items()} | {
            "bench": time.process_time()
        }

    consumed0: float | None = None
    started, cpu0 = time.monotonic(), cpu_now()
    while True:
        asked, cpu_asked = time.monotonic(), cpu_now()
        readings = [worker.metrics() for worker in workers]
        if all(reading is not None for reading in readings):
            consumed = sum((reading or {}).get(CONSUMED, 0.0) for reading in readings)
            if consumed0 is None:
                consumed0 = consumed
            if consumed > consumed0:
                break
            started, cpu0 = asked, cpu_asked
        if time.monotonic() > deadline:
            raise TimeoutError("the workers consumed nothing")
        time.sleep(0.05)
    next_line = time.monotonic() + 5
    while True:
        scored = total(workers, SCORED)
        now = time.monotonic()
        if scored >= target:
            break
        if now >= next_line:
            say(f"  scored {scored:,.0f} / {target:,} ({scored / (now - started):,.0f} events/s)")
            next_line += 5
        if now > deadline:
            raise TimeoutError(f"only {scored:,.0f} of {target:,} scored in {timeout_s:.0f} s")
        time.sleep(0.05)
    seconds = time.monotonic() - started
    cpu1 = cpu_now()
    return Drain(
        seconds=seconds,
        startup_s=started - first,
        scored=[worker.value(SCORED) for worker in workers],
        cpu={name: (cpu1[name] - cpu0[name]) / seconds for name in cpu0},
    )
