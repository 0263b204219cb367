"""The webhook sink against a local receiver that verifies signatures as documented."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import orjson
import pytest
from pydantic import SecretStr

from dexwatch.schemas.codec import decode, encode
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.sinks.base import Delivered, DeliveryOutcome, GiveUp, RetryLater
from dexwatch.sinks.webhook.signing import signature_header
from dexwatch.sinks.webhook.webhook_sink import WebhookSink
from tests.http_servers.webhook_receiver import ReceiverAnswerKind
from tests.sinks.conftest import RECEIVER_SECRET, RunningReceiver
from tests.sinks.incidents import incident


def deliver(url: str, event: IncidentEvent, secret: bytes = RECEIVER_SECRET) -> DeliveryOutcome:
    async def attempt() -> DeliveryOutcome:
        async with aiohttp.ClientSession() as session:
            sink = WebhookSink("hook", url, SecretStr(secret.decode()), session, timeout_s=5)
            return await sink.deliver(event)

    return asyncio.run(attempt())


def test_the_body_is_the_incident_event_under_its_idempotency_key(
    receiver: RunningReceiver,
) -> None:
    event = incident(1, 2)
    assert deliver(receiver.url, event) == Delivered(200)
    taken = receiver.receiver.taken()
    assert list(taken) == [f"{event.incident_id}:2"] == [event.idempotency_key]
    (body,) = taken[event.idempotency_key]
    assert body == encode(event)
    assert decode(IncidentEvent, body) == event


def test_a_retry_carries_the_same_key_and_the_receiver_takes_it_once(
    receiver: RunningReceiver,
) -> None:
    event = incident(2)
    assert deliver(receiver.url, event) == Delivered(200)
    assert deliver(receiver.url, event) == Delivered(200)  # answered "duplicate"
    assert receiver.receiver.keys_in_order() == [event.idempotency_key]
    assert len(receiver.receiver.taken()[event.idempotency_key]) == 2


def test_the_headers(receiver: RunningReceiver) -> None:
    event = incident(3, 4)

    async def headers() -> dict[str, str]:
        async with aiohttp.ClientSession() as session:
            sink = WebhookSink(
                "hook",
                receiver.url,
                SecretStr("k" * 16),
                session,
                timeout_s=1,
                clock=lambda: 1000.9,
            )
            return sink.headers(event, encode(event))

    sent = asyncio.run(headers())
    assert sent["Idempotency-Key"] == f"{event.incident_id}:4"
    assert sent["X-Dexwatch-Timestamp"] == "1000"
    key = event.idempotency_key
    expected = signature_header(b"k" * 16, "1000", key, encode(event))
    assert sent["X-Dexwatch-Signature"] == expected
    assert expected.startswith("v2=")  # and the deprecated v1 after it
    assert sent["X-Dexwatch-Event"] == "incident.updated"
    assert sent["Content-Type"] == "application/json"


def test_a_sink_with_another_secret_is_refused_and_gives_up(receiver: RunningReceiver) -> None:
    outcome = deliver(receiver.url, incident(4), secret=b"not-the-receivers-secret")
    assert isinstance(outcome, GiveUp)
    assert outcome.reason == "rejected"
    assert outcome.status == 401
    assert "does the receiver have this sink's secret" in outcome.detail
    assert receiver.receiver.rejected == [
        "signature does not match: another secret, or a changed body or key"
    ]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("server_error", ("retry", "server_error")),
        ("rate_limited", ("retry", "rate_limited")),
        ("gone", ("give_up", "revoked")),
        ("bad_request", ("give_up", "rejected")),
    ],
)
def test_receiver_answers_are_understood(
    receiver: RunningReceiver, answer: ReceiverAnswerKind, expected: tuple[str, str]
) -> None:
    receiver.receiver.answers.answer_next(answer, retry_after="2")
    outcome = deliver(receiver.url, incident(5))
    kind = "retry" if isinstance(outcome, RetryLater) else "give_up"
    assert (kind, getattr(outcome, "reason", None)) == expected
    if answer == "rate_limited":
        assert isinstance(outcome, RetryLater)
        assert outcome.retry_after_s == 2.0


def test_the_receiver_refuses_a_tampered_body_and_a_stale_timestamp(
    receiver: RunningReceiver,
) -> None:
    body = encode(incident(6))
    now = str(int(time.time()))
    stale = str(int(time.time()) - 301)

    async def post(data: bytes, timestamp: str, signed: bytes) -> tuple[int, str]:
        headers = {
            "Idempotency-Key": "x:1",
            "X-Dexwatch-Timestamp": timestamp,
            "X-Dexwatch-Signature": signature_header(RECEIVER_SECRET, timestamp, "x:1", signed),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(receiver.url, data=data, headers=headers) as response,
        ):
            return response.status, await response.text()

    tampered = orjson.dumps(orjson.loads(body) | {"severity": 1})
    assert asyncio.run(post(tampered, now, body)) == (
        401,
        "signature does not match: another secret, or a changed body or key",
    )
    status, text = asyncio.run(post(body, stale, body))
    assert (status, text.split(":")[0]) == (401, "timestamp too old or too far ahead")
    assert asyncio.run(post(body, now, body))[0] == 200
    assert receiver.receiver.keys_in_order() == ["x:1"]
