"""Smoke test of the latency scenario on a tiny input (the session broker): single events,
then the interval dataset."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench.pipeline import latency
from bench.pipeline.context import Bench
from bench.pipeline.sizes import Sizes
from tests.bench.pipeline.conftest import TINY

pytestmark = pytest.mark.kafka


def test_every_sent_event_is_scored_and_anomalies_are_timed(
    make_bench: Callable[[Sizes], Bench],
) -> None:
    bench = make_bench(TINY)
    figures = latency.run(bench)
    [single] = figures.per_event
    assert single.envelope == 1
    assert single.sent > 0
    assert single.scored == single.warm_events + single.sent
    assert single.rate == pytest.approx(TINY.rate, rel=0.5)
    assert single.probes_spiked == TINY.probes
    assert single.probes.n > 0  # a spike of 1000x is an anomaly
    assert single.produce_to_scored.n >= single.probes.n
    assert 0 < (single.probes.p50_ms or 0) < 60_000
    interval = figures.interval
    assert interval.sent > 0
    assert interval.lateness_minutes == TINY.interval_warmup + 5
    assert interval.anomalies > 0
    assert interval.closing_to_anomaly.n > 0
    assert len(bench.figures) == 2
