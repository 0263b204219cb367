"""Smoke test of the recovery scenario on a tiny input (the session broker)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench.pipeline import recovery
from bench.pipeline.context import Bench
from bench.pipeline.sizes import Sizes
from tests.bench.pipeline.conftest import TINY

pytestmark = pytest.mark.kafka


def test_a_killed_worker_scores_every_new_event_after_its_restart(
    make_bench: Callable[[Sizes], Bench],
) -> None:
    bench = make_bench(TINY)
    figures = recovery.run(bench)
    assert figures.series_live == TINY.recovery_series
    assert figures.all_scored
    assert 0 < figures.to_metrics_s <= figures.to_first_score_s <= figures.to_all_scored_s
    assert figures.to_all_scored_s < TINY.timeout
