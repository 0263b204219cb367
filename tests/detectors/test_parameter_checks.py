"""The shared checks of detector arguments: the bound is allowed, the culprit is named."""

from __future__ import annotations

import pytest

from dexwatch.detectors.parameter_checks import check_at_least, check_min_points


def test_at_least_allows_the_bound_and_names_the_argument_below_it() -> None:
    check_at_least(1, clock=1, max_buckets=5)
    check_at_least(0, k=0.0)
    with pytest.raises(ValueError, match="max_buckets must be at least 1, got 0"):
        check_at_least(1, clock=3, max_buckets=0)


@pytest.mark.parametrize(("min_points", "window"), [(2, 2), (2, 10), (10, 10)])
def test_min_points_may_range_from_the_fewest_to_the_window(min_points: int, window: int) -> None:
    check_min_points(min_points, window, fewest=2)


@pytest.mark.parametrize(("min_points", "window"), [(1, 10), (11, 10), (3, 2)])
def test_min_points_outside_that_range_are_refused(min_points: int, window: int) -> None:
    with pytest.raises(ValueError, match=rf"need 2 <= min_points <= window, got {min_points} and"):
        check_min_points(min_points, window, fewest=2)
