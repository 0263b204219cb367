"""Smoke test of the throughput scenario on a tiny input (the session broker)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench.pipeline import throughput
from bench.pipeline.context import Bench
from bench.pipeline.sizes import Sizes
from tests.bench.pipeline.conftest import TINY

pytestmark = pytest.mark.kafka


def test_one_worker_scores_every_event_and_the_river_loop_sees_the_same(
    make_bench: Callable[[Sizes], Bench],
) -> None:
    bench = make_bench(TINY)
    figures = throughput.run(bench)
    assert figures.events == TINY.events  # 20 series x 100 points
    assert figures.scored == figures.events
    assert 0 < figures.records <= figures.events
    assert figures.series_live == TINY.series
    assert figures.seconds > 0
    assert figures.events_per_s == pytest.approx(figures.events / figures.seconds)
    assert figures.cpu["worker 1"] > 0
    assert figures.river_events == figures.events
    assert figures.ratio == pytest.approx(figures.events_per_s / figures.river_events_per_s)
    assert bench.one_worker_rate == figures.events_per_s  # what two-workers compares with
    assert [figure.what for figure in bench.figures] == [
        "throughput, one worker (pipeline)",
        "bare river HalfSpaceTrees loop, same events",
        "ratio pipeline / river",
    ]
