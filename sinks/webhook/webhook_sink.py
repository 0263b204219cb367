"""The webhook sink: the incident event as JSON, signed, with an idempotency key.

The body is exactly the incident event as it is on the alerts topic (`schemas.codec.encode`;
its JSON Schema is `incident-event.schema.json`). Each attempt is signed afresh (a new
timestamp; `v2` over the timestamp, the key and the body, and the deprecated `v1` beside it:
`signing.py`), while `Idempotency-Key` stays `<incident_id>:<version>` through retries and
restarts, so a receiver that keeps the keys it took never takes one version twice.

2xx is delivered; 408, 429 (with Retry-After) and 5xx are retried; any other answer is given
up on and dead-lettered: 410 as `revoked`, the rest as `rejected`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
from pydantic import SecretStr

from dexwatch.schemas.codec import encode
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.sink_dead_letter import SinkKind
from dexwatch.sinks.base import GiveUp
from dexwatch.sinks.http_post import HttpAnswer
from dexwatch.sinks.http_sink import HttpSink
from dexwatch.sinks.webhook.signing import (
    EVENT_HEADER,
    IDEMPOTENCY_KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)

__all__ = ["USER_AGENT", "WebhookSink"]

USER_AGENT = "dexwatch-webhook/1"


class WebhookSink(HttpSink):
    """POSTs signed incident events to one URL."""

    kind: SinkKind = "webhook"

    def __init__(
        self,
        name: str,
        url: str,
        secret: SecretStr,
        session: aiohttp.ClientSession,
        *,
        timeout_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(url)
        # Host and port only: a URL's user info and path may hold a token.
        port = f":{parts.port}" if parts.port else ""
        target = f"the webhook at {parts.scheme}://{parts.hostname}{port}"
        super().__init__(name, session, timeout_s=timeout_s, target=target)
        self._url = url
        self._secret = secret
        self._clock = clock

    def headers(self, incident: IncidentEvent, body: bytes) -> dict[str, str]:
        """The headers of one attempt, signed now."""
        timestamp = str(int(self._clock()))
        secret = self._secret.get_secret_value().encode()
        return {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            IDEMPOTENCY_KEY_HEADER: incident.idempotency_key,
            EVENT_HEADER: f"incident.{incident.status}",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature_header(secret, timestamp, incident.idempotency_key, body),
        }

    def request(self, incident: IncidentEvent) -> tuple[str, bytes, dict[str, str]]:
        body = encode(incident)
        return self._url, body, self.headers(incident, body)

    def refusal(self, answer: HttpAnswer) -> GiveUp:
        said = f"{self.target} answered {answer.status} {answer.body or '(no body)'}"
        if answer.status == 410:
            return GiveUp(
                "revoked", f"{said}: the receiver is gone; remove or fix the sink", answer.status
            )
        if answer.status in (401, 403):
            hint = "does the receiver have this sink's secret, and are both clocks right?"
        elif 300 <= answer.status < 400:
            hint = "redirects are not followed: configure the final URL"
        else:
            hint = "the receiver refused this alert; see its logs"
        return GiveUp("rejected", f"{said}: {hint}", answer.status)
