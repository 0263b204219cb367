"""A `Bench` on the session's broker, for the smoke tests of each pipeline scenario."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bench.pipeline.context import Bench
from bench.pipeline.sizes import Sizes
from dexwatch.deploy.local_kafka import LocalKafkaBroker

# Tiny inputs: each scenario runs in seconds. The waits stay short so that a scenario that
# hangs fails the test instead of holding the suite.
TINY = Sizes(
    events=2_000,
    series=20,
    envelope=50,
    river_warmup=10,
    rate=200,
    seconds=1.5,
    latency_series=5,
    latency_envelopes=(1,),
    probes=2,
    probe_every_ms=500,
    interval_series=2,
    interval_warmup=5,
    recovery_series=50,
    recovery_points=2,
    recovery_snapshot_interval=0.5,
    timeout=90.0,
)


@pytest.fixture
def make_bench(
    kafka_broker: LocalKafkaBroker, kafka_bootstrap: str, tmp_path: Path
) -> Callable[[Sizes], Bench]:
    """`make_bench(sizes)`: a run context on the session broker, its files under tmp_path."""

    def make(sizes: Sizes) -> Bench:
        return Bench(sizes, kafka_bootstrap, kafka_broker.status().pid, tmp_path)

    return make
