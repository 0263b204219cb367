"""Trying again: exponential backoff with jitter, a ceiling, and the server's Retry-After.

Only `RetryableQueryError`s are retried; anything else goes straight up. The delay before try
n+1 is drawn from [d/2, d] with d = min(max_delay, base * 2**(n-1)) ("equal jitter": spread out,
never near zero); a server's Retry-After, capped, is a floor under it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from dexwatch.connectors.thegraph.clock import Clock
from dexwatch.connectors.thegraph.errors import RetriesExhaustedError, RetryableQueryError
from dexwatch.connectors.thegraph.settings import RetrySettings

__all__ = ["backoff_delay", "with_retries"]

_LOG = logging.getLogger("dexwatch.connectors.thegraph.retry")

T = TypeVar("T")


def backoff_delay(
    policy: RetrySettings,
    attempt: int,
    rng: random.Random,
    *,
    slow: bool = False,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1 for the first)."""
    base = policy.slow_base_delay_s if slow else policy.base_delay_s
    ceiling = max(policy.max_delay_s, base) if slow else policy.max_delay_s
    delay = min(ceiling, base * 2.0 ** min(attempt - 1, 60))
    jittered = delay / 2.0 + rng.uniform(0.0, delay / 2.0)
    if retry_after is not None:
        jittered = max(jittered, min(max(retry_after, 0.0), policy.retry_after_cap_s))
    return jittered


async def with_retries(
    operation: Callable[[], Awaitable[T]],
    policy: RetrySettings,
    clock: Clock,
    rng: random.Random,
    *,
    on_retry: Callable[[RetryableQueryError], None] | None = None,
) -> T:
    """`await operation()`, again after a delay on each retryable failure, up to
    `policy.max_attempts` tries; then `RetriesExhaustedError` with the last failure."""
    attempt = 1
    while True:
        try:
            return await operation()
        except RetryableQueryError as error:
            if attempt >= policy.max_attempts:
                raise RetriesExhaustedError(
                    f"gave up after {attempt} attempt(s): {error}"
                ) from error
            delay = backoff_delay(
                policy, attempt, rng, slow=error.slow, retry_after=error.retry_after
            )
            _LOG.warning(
                "attempt %d failed (%s); retrying in %.1fs: %s",
                attempt,
                error.outcome,
                delay,
                error,
            )
            if on_retry is not None:
                on_retry(error)
            await clock.sleep(delay)
            attempt += 1
