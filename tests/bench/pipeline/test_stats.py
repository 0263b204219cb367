"""Percentiles of delays and Prometheus' histogram_quantile, on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from bench.pipeline.stats import Percentiles, histogram_quantile, percentiles


def test_percentiles_take_the_nearest_rank_in_milliseconds() -> None:
    delays = [i / 1000 for i in range(1, 101)]  # 1 ms .. 100 ms, shuffled below
    found = percentiles(delays[::-1])
    assert found == Percentiles(n=100, p50_ms=51.0, p99_ms=100.0, max_ms=100.0)
    assert found.describe() == "p50 51 ms, p99 100 ms, max 100 ms (n=100)"
    assert found.short() == "p50 51 ms, p99 100 ms"


def test_no_delays_say_none() -> None:
    empty = percentiles([])
    assert empty == Percentiles(0, None, None, None)
    assert empty.describe() == empty.short() == "none"


def test_histogram_quantile_interpolates_inside_the_bucket_that_holds_the_rank() -> None:
    # 10 observations: 4 up to 0.01 s, 4 more up to 0.1 s, 2 more up to 1 s.
    buckets = {0.01: 4.0, 0.1: 8.0, 1.0: 10.0, math.inf: 10.0}
    assert histogram_quantile(buckets, 0.2) == pytest.approx(0.005)  # rank 2 of 4 in [0, .01]
    assert histogram_quantile(buckets, 0.5) == pytest.approx(0.01 + 0.09 * 0.25)
    assert histogram_quantile(buckets, 0.9) == pytest.approx(0.1 + 0.9 * 0.5)


def test_a_rank_in_the_open_bucket_is_the_highest_finite_bound() -> None:
    buckets = {0.1: 1.0, 1.0: 2.0, math.inf: 4.0}
    assert histogram_quantile(buckets, 0.99) == 1.0


def test_an_empty_histogram_has_no_quantile() -> None:
    assert math.isnan(histogram_quantile({0.1: 0.0, math.inf: 0.0}, 0.5))
