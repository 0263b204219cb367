"""The delivery loop: retry what may pass, stop on what cannot, dead-letter when out of tries."""

from __future__ import annotations

import asyncio
import random

from dexwatch.sinks.base import Delivered, GiveUp, RetryLater
from dexwatch.sinks.delivery_policy import DeliveryPolicy
from dexwatch.sinks.retrying_delivery import DeliveryResult, deliver_with_retries
from tests.sinks.incidents import incident
from tests.sinks.scripted_sink import ScriptedSink

POLICY = DeliveryPolicy(base_delay_s=1.0, max_delay_s=8.0, max_attempts=4)


def run(sink: ScriptedSink, policy: DeliveryPolicy = POLICY) -> tuple[DeliveryResult, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    result = asyncio.run(
        deliver_with_retries(sink, incident(1), policy, sleep=sleep, rng=random.Random(3))
    )
    return result, waits


def test_delivered_at_once_waits_for_nothing() -> None:
    result, waits = run(ScriptedSink())
    assert result == DeliveryResult(True, 1, last_status=200)
    assert waits == []


def test_retries_until_delivered_with_growing_ceilings() -> None:
    sink = ScriptedSink([RetryLater("server_error", "500", status=500), RetryLater("timeout", "t")])
    result, waits = run(sink)
    assert result.delivered
    assert result.attempts == 3
    assert len(sink.attempts) == 3
    assert 0 <= waits[0] <= 1.0
    assert 0 <= waits[1] <= 2.0


def test_retry_after_is_honoured() -> None:
    sink = ScriptedSink([RetryLater("rate_limited", "429", retry_after_s=30.0, status=429)])
    result, waits = run(sink)
    assert result.delivered
    assert waits[0] >= 30.0


def test_give_up_ends_at_once_with_its_reason() -> None:
    sink = ScriptedSink([GiveUp("revoked", "Slack answered 404 no_service", status=404)])
    result, waits = run(sink)
    assert result == DeliveryResult(False, 1, "revoked", "Slack answered 404 no_service", 404)
    assert waits == []


def test_out_of_attempts_is_retries_exhausted_naming_the_last_failure() -> None:
    sink = ScriptedSink(
        [RetryLater("server_error", f"answer {n}", status=500 + n) for n in range(9)]
    )
    result, waits = run(sink)
    assert not result.delivered
    assert result.attempts == POLICY.max_attempts == len(sink.attempts)
    assert len(waits) == POLICY.max_attempts - 1  # no wait after the last attempt
    assert result.reason == "retries_exhausted"
    assert result.detail == "gave up after 4 attempt(s); the last: answer 3"
    assert result.last_status == 503


def test_on_retry_hears_each_failed_attempt_and_its_wait() -> None:
    heard: list[tuple[str, int, float]] = []
    sink = ScriptedSink([RetryLater("unreachable", "down"), RetryLater("unreachable", "down")])

    async def sleep(_seconds: float) -> None:
        return None

    result = asyncio.run(
        deliver_with_retries(
            sink,
            incident(1),
            POLICY,
            sleep=sleep,
            rng=random.Random(1),
            on_retry=lambda outcome, attempt, wait: heard.append((outcome.reason, attempt, wait)),
        )
    )
    assert result.delivered
    assert [(reason, attempt) for reason, attempt, _ in heard] == [
        ("unreachable", 1),
        ("unreachable", 2),
    ]


def test_a_delivered_outcome_without_status_keeps_the_last_one_seen() -> None:
    result, _ = run(ScriptedSink([RetryLater("server_error", "x", status=502), Delivered()]))
    assert result.last_status == 502
