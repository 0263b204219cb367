"""One incident through one sink: attempts, waits between them, and the final word.

The loop asks the sink for one attempt at a time. `RetryLater` waits per the policy (honouring
the destination's Retry-After) and tries again, up to `max_attempts`; `GiveUp` ends at once.
The result is either `Delivered` or a `GiveUp` whose reason is a dead-letter reason
(`retries_exhausted` when the attempts ran out).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.sink_dead_letter import SinkDeadLetterReason
from dexwatch.sinks.base import Delivered, GiveUp, RetryLater, Sink
from dexwatch.sinks.delivery_policy import DeliveryPolicy

__all__ = ["DeliveryResult", "Sleep", "deliver_with_retries"]

Sleep = Callable[[float], Awaitable[None]]
# Told about each failed attempt that will be retried: (outcome, attempt number, wait in s).
OnRetry = Callable[[RetryLater, int, float], None]


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """How the delivery ended, after how many attempts."""

    delivered: bool
    attempts: int
    reason: SinkDeadLetterReason | None = None  # when not delivered
    detail: str = ""  # when not delivered: what happened and what to do
    last_status: int | None = None  # the last HTTP status answered, if any


async def deliver_with_retries(
    sink: Sink,
    incident: IncidentEvent,
    policy: DeliveryPolicy,
    *,
    sleep: Sleep,
    rng: random.Random,
    on_retry: OnRetry | None = None,
) -> DeliveryResult:
    """Deliver `incident`, retrying what may pass; never raises for a failed delivery."""
    attempt = 0
    last_status: int | None = None
    while True:
        attempt += 1
        outcome = await sink.deliver(incident)
        last_status = outcome.status if outcome.status is not None else last_status
        if isinstance(outcome, Delivered):
            return DeliveryResult(True, attempt, last_status=last_status)
        if isinstance(outcome, GiveUp):
            return DeliveryResult(False, attempt, outcome.reason, outcome.detail, last_status)
        if attempt >= policy.max_attempts:
            return DeliveryResult(
                False,
                attempt,
                "retries_exhausted",
                f"gave up after {attempt} attempt(s); the last: {outcome.detail}",
                last_status,
            )
        wait = policy.delay(attempt, rng, outcome.retry_after_s)
        if on_retry is not None:
            on_retry(outcome, attempt, wait)
        await sleep(wait)
