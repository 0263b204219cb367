"""The Slack sink: one incoming-webhook message per incident version.

Slack's incoming webhooks answer `200 ok`, `429` with Retry-After when posting faster than about
one message a second, `500 rollup_error` and the like when Slack has a problem (retried), `400`
for a payload it refuses (`invalid_payload`, `invalid_blocks`: our bug, dead-lettered), and
`403`/`404`/`410` when the webhook is gone (`action_prohibited`, `no_service`,
`channel_is_archived`, `channel_not_found`: dead-lettered, and the log says to make a new one).
The webhook URL is the secret: it is never logged, only its host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp
import orjson
from pydantic import SecretStr

from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.sink_dead_letter import SinkKind
from dexwatch.sinks.base import GiveUp
from dexwatch.sinks.http_post import HttpAnswer
from dexwatch.sinks.http_sink import HttpSink
from dexwatch.sinks.slack.message import slack_message

__all__ = ["SlackSink"]

_REVOKED_HINT = (
    "the webhook URL was revoked, or its app or channel removed; make a new incoming webhook "
    "and update the sink's webhook URL (env or file)"
)


class SlackSink(HttpSink):
    """Posts Block Kit messages to one Slack incoming webhook."""

    kind: SinkKind = "slack"

    def __init__(
        self,
        name: str,
        webhook_url: SecretStr,
        session: aiohttp.ClientSession,
        *,
        timeout_s: float,
        max_contributors: int = 5,
    ) -> None:
        host = urlsplit(webhook_url.get_secret_value()).hostname
        super().__init__(name, session, timeout_s=timeout_s, target=f"Slack ({host})")
        self._url = webhook_url
        self._max_contributors = max_contributors

    def request(self, incident: IncidentEvent) -> tuple[str, bytes, dict[str, str]]:
        message = slack_message(incident, max_contributors=self._max_contributors)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return self._url.get_secret_value(), orjson.dumps(message), headers

    def refusal(self, answer: HttpAnswer) -> GiveUp:
        said = f"Slack answered {answer.status} {answer.body or '(no body)'}"
        if answer.status in (403, 404, 410):
            return GiveUp("revoked", f"{said}: {_REVOKED_HINT}", answer.status)
        if answer.status == 400:
            return GiveUp(
                "invalid_payload",
                f"{said}: Slack refused the message itself (a dexwatch bug: please report it "
                "with the dead-lettered record)",
                answer.status,
            )
        return GiveUp(
            "rejected", f"{said}: not a Slack incoming-webhook answer we know", answer.status
        )
