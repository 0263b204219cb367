"""Backoff grows exponentially with jitter up to a ceiling, honours Retry-After, and gives up."""

from __future__ import annotations

import asyncio
import random

import pytest

from dexwatch.connectors.thegraph.errors import (
    AuthError,
    RetriesExhaustedError,
    RetryableQueryError,
)
from dexwatch.connectors.thegraph.retry import backoff_delay, with_retries
from dexwatch.connectors.thegraph.settings import RetrySettings
from tests.connectors.thegraph.conftest import FakeClock

POLICY = RetrySettings(
    base_delay_s=1, max_delay_s=8, slow_base_delay_s=30, retry_after_cap_s=120, max_attempts=4
)


def test_delays_double_with_jitter_up_to_the_ceiling() -> None:
    rng = random.Random(3)
    for attempt, full in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 8), (30, 8)]:
        delays = [backoff_delay(POLICY, attempt, rng) for _ in range(200)]
        assert all(full / 2 <= delay <= full for delay in delays)
        assert max(delays) - min(delays) > full / 4, "jittered, not fixed"


def test_slow_retries_start_from_the_slow_base() -> None:
    delay = backoff_delay(POLICY, 1, random.Random(1), slow=True)
    assert 15 <= delay <= 30


def test_retry_after_is_a_floor_and_capped() -> None:
    rng = random.Random(1)
    assert backoff_delay(POLICY, 1, rng, retry_after=42) == 42
    assert backoff_delay(POLICY, 1, rng, retry_after=10_000) == 120
    assert backoff_delay(POLICY, 4, rng, retry_after=0.1) >= 4


def test_retryable_failures_are_retried_then_given_up() -> None:
    clock = FakeClock(0)
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        raise RetryableQueryError("no indexers found", "no_indexers")

    with pytest.raises(RetriesExhaustedError, match="gave up after 4 attempt"):
        asyncio.run(with_retries(flaky, POLICY, clock, random.Random(1)))
    assert calls == 4
    assert len(clock.sleeps) == 3


def test_success_after_failures_and_fatal_errors_are_not_retried() -> None:
    clock = FakeClock(0)
    outcomes: list[Exception | str] = [
        RetryableQueryError("internal error: x", "internal_error"),
        "ok",
    ]

    async def operation() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert asyncio.run(with_retries(operation, POLICY, clock, random.Random(1))) == "ok"
    assert len(clock.sleeps) == 1

    async def fatal() -> str:
        raise AuthError("auth error: bad key")

    with pytest.raises(AuthError):
        asyncio.run(with_retries(fatal, POLICY, clock, random.Random(1)))
    assert len(clock.sleeps) == 1
