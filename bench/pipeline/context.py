"""`Bench`: what the scenarios of one run share (broker, sizes, a temporary root, figures)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.pipeline.output import Figure
from bench.pipeline.producing import create_topics
from bench.pipeline.sizes import Sizes
from bench.pipeline.workers import Worker

__all__ = ["Bench"]


@dataclass
class Bench:
    sizes: Sizes
    bootstrap: str
    broker_pid: int | None  # None: its CPU use is not read
    root: Path
    figures: list[Figure] = field(default_factory=list)
    # Set by throughput, read by two-workers: its pre-produced topics and its rate.
    throughput_topics: dict[str, str] | None = None
    one_worker_rate: float | None = None

    def topics(self, label: str) -> dict[str, str]:
        """Fresh metrics, anomalies and dead-letter topics (8 partitions each)."""
        tag = f"{label}-{uuid.uuid4().hex[:6]}"
        names = {
            "metrics": f"bench.metrics.{tag}",
            "anomalies": f"bench.anomalies.{tag}",
            "dead_letter": f"bench.dead-letter.{tag}",
        }
        create_topics(self.bootstrap, *names.values())
        return names

    def app_id(self, label: str) -> str:
        return f"bench-{label}-{uuid.uuid4().hex[:6]}"

    def worker(
        self, topics: dict[str, str], app_id: str, env: dict[str, str] | None = None
    ) -> Worker:
        return Worker(self.bootstrap, app_id, topics, self.root, env)

    def broker(self) -> dict[str, int]:
        """The broker's pid by name, for `drain`'s CPU figures (empty when unknown)."""
        return {} if self.broker_pid is None else {"broker": self.broker_pid}

    def record(self, what: str, figure: str, note: str = "") -> None:
        self.figures.append(Figure(what, figure, note))
