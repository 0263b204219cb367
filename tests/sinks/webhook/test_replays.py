"""A captured delivery replayed against the real local receiver: refused under a new key.

The request is the one the sink builds (`WebhookSink.request`), posted over HTTP to the
receiver the other sink tests use, which verifies with the documented code.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
from pydantic import SecretStr

from dexwatch.sinks.webhook.signing import SIGNATURE_HEADER, sign_v1
from dexwatch.sinks.webhook.webhook_sink import WebhookSink
from tests.http_servers import ServerThread, WebhookReceiver
from tests.sinks.conftest import RECEIVER_SECRET, RunningReceiver
from tests.sinks.incidents import incident

NEW_KEY = "00000000-0000-0000-0000-000000000000:1"


def captured(url: str, version: int = 1) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt, as the sink sends them."""

    async def build() -> tuple[bytes, dict[str, str]]:
        async with aiohttp.ClientSession() as session:
            sink = WebhookSink(
                "hook", url, SecretStr(RECEIVER_SECRET.decode()), session, timeout_s=5
            )
            _, body, headers = sink.request(incident(7, version))
            return body, headers

    return asyncio.run(build())


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async def send() -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            return response.status, await response.text()

    return asyncio.run(send())


def test_a_replay_under_a_new_key_is_refused(receiver: RunningReceiver) -> None:
    body, headers = captured(receiver.url)
    key = headers["Idempotency-Key"]
    assert post(receiver.url, body, headers) == (200, "accepted")
    assert post(receiver.url, body, headers) == (200, "duplicate")  # same key: taken once

    status, text = post(receiver.url, body, headers | {"Idempotency-Key": NEW_KEY})
    assert status == 401
    assert "not the one the v1-signed body names: a replay" in text
    assert receiver.receiver.keys_in_order() == [key]


def test_a_replay_with_only_the_deprecated_v1_part_and_a_new_key_is_refused(
    receiver: RunningReceiver,
) -> None:
    body, headers = captured(receiver.url, version=2)
    v1_part = headers[SIGNATURE_HEADER].split(",")[1]
    assert v1_part.startswith("v1=")
    downgraded = headers | {SIGNATURE_HEADER: v1_part, "Idempotency-Key": NEW_KEY}
    assert post(receiver.url, body, downgraded)[0] == 401
    assert receiver.receiver.keys_in_order() == []


def test_a_v1_only_sender_is_taken_until_v1_is_turned_off(receiver: RunningReceiver) -> None:
    """An older sink (v1 only) keeps working during the deprecation, under its own key."""
    body, headers = captured(receiver.url, version=3)
    timestamp = str(int(time.time()))
    old_sink = headers | {
        "X-Dexwatch-Timestamp": timestamp,
        SIGNATURE_HEADER: f"v1={sign_v1(RECEIVER_SECRET, timestamp, body)}",
    }
    assert post(receiver.url, body, old_sink) == (200, "accepted")

    strict = WebhookReceiver(RECEIVER_SECRET, accept_v1=False)
    with ServerThread(strict.app) as thread:
        url = thread.url("/hook")
        assert post(url, body, old_sink)[0] == 401
        assert post(url, body, headers) == (200, "accepted")  # the current sink: v2
    assert strict.keys_in_order() == [headers["Idempotency-Key"]]
