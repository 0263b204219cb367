"""Smoke test of the two-worker scenario on a tiny input (the session broker)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench.pipeline import two_workers
from bench.pipeline.context import Bench
from bench.pipeline.sizes import Sizes
from tests.bench.pipeline.conftest import TINY

pytestmark = pytest.mark.kafka


def test_two_workers_in_one_group_score_every_event_once_between_them(
    make_bench: Callable[[Sizes], Bench],
) -> None:
    bench = make_bench(TINY)
    figures = two_workers.run(bench)
    assert figures.events == TINY.events
    assert len(figures.scored) == 2
    # The first worker may drain a tiny topic before the second joins: the sum is the check.
    assert sum(figures.scored) == figures.events
    assert figures.events_per_s == pytest.approx(figures.events / figures.seconds)
    assert figures.versus_one_worker is None  # throughput did not run first
    assert {"worker 1", "worker 2", "broker", "bench"} <= set(figures.cpu)
