"""Backoff: exponential ceilings, full jitter within them, Retry-After as a floor, a limit."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from dexwatch.sinks.delivery_policy import DeliveryPolicy

POLICY = DeliveryPolicy(base_delay_s=1.0, max_delay_s=60.0, retry_after_cap_s=300.0)


def test_ceilings_double_from_the_base_up_to_the_maximum() -> None:
    assert [POLICY.ceiling(attempt) for attempt in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert POLICY.ceiling(10_000) == 60.0  # no overflow however many attempts


@given(attempt=st.integers(1, 200), seed=st.integers(0, 2**32))
def test_every_drawn_delay_is_within_zero_and_the_ceiling(attempt: int, seed: int) -> None:
    delay = POLICY.delay(attempt, random.Random(seed))
    assert 0.0 <= delay <= POLICY.ceiling(attempt)


def test_full_jitter_spreads_over_the_whole_range() -> None:
    rng = random.Random(7)
    delays = [POLICY.delay(5, rng) for _ in range(2000)]
    assert min(delays) < 0.1 * 16
    assert max(delays) > 0.9 * 16
    assert 7.0 < sum(delays) / len(delays) < 9.0  # uniform: the mean is half the ceiling


@given(retry_after=st.floats(0, 10_000), attempt=st.integers(1, 30), seed=st.integers(0, 99))
def test_retry_after_is_a_floor_capped_at_its_maximum(
    retry_after: float, attempt: int, seed: int
) -> None:
    delay = POLICY.delay(attempt, random.Random(seed), retry_after)
    assert delay >= min(retry_after, POLICY.retry_after_cap_s)
    assert delay <= max(POLICY.ceiling(attempt), min(retry_after, POLICY.retry_after_cap_s))


def test_a_negative_retry_after_counts_as_none() -> None:
    assert 0.0 <= POLICY.delay(1, random.Random(1), -5.0) <= 1.0


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        POLICY.ceiling(0)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"base_delay_s": 10, "max_delay_s": 5}, "max_delay_s must be at least base_delay_s"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"base_delay_s": 0}, "base_delay_s"),
        ({"request_timeout_s": -1}, "request_timeout_s"),
        ({"retries": 3}, "retries"),
    ],
)
def test_bad_policies_name_the_field(values: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        DeliveryPolicy.model_validate(values)


def test_the_default_policy_rides_out_a_quarter_of_an_hour_however_the_dice_fall() -> None:
    policy = DeliveryPolicy()
    for seed in range(200):
        rng = random.Random(seed)
        waited = sum(policy.delay(attempt, rng) for attempt in range(1, policy.max_attempts))
        assert waited > 15 * 60, seed
