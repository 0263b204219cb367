"""The Slack sink against a local server that answers like Slack's incoming webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest
from pydantic import SecretStr

from dexwatch.sinks.base import Delivered, DeliveryOutcome, GiveUp, RetryLater
from dexwatch.sinks.slack.slack_sink import SlackSink
from tests.http_servers import SlackAnswerKind
from tests.sinks.conftest import RunningSlack
from tests.sinks.incidents import incident
from tests.support.kafka_helpers import free_port


def deliver(url: str, *, timeout_s: float = 5.0) -> DeliveryOutcome:
    async def attempt() -> DeliveryOutcome:
        async with aiohttp.ClientSession() as session:
            sink = SlackSink("ops", SecretStr(url), session, timeout_s=timeout_s)
            return await sink.deliver(incident(1))

    return asyncio.run(attempt())


def test_ok_is_delivered_and_the_message_recorded(slack: RunningSlack) -> None:
    assert deliver(slack.webhook_url) == Delivered(200)
    (message,) = slack.server.messages()
    assert message["text"].startswith("NEW: sev 88")


@pytest.mark.parametrize(
    ("answer", "check"),
    [
        (
            "rate_limited",
            lambda o: (
                isinstance(o, RetryLater) and o.reason == "rate_limited" and o.retry_after_s == 7
            ),
        ),
        ("server_error", lambda o: isinstance(o, RetryLater) and o.reason == "server_error"),
        ("invalid_payload", lambda o: isinstance(o, GiveUp) and o.reason == "invalid_payload"),
        ("revoked", lambda o: isinstance(o, GiveUp) and o.reason == "revoked"),
        ("forbidden", lambda o: isinstance(o, GiveUp) and o.reason == "revoked"),
        ("archived", lambda o: isinstance(o, GiveUp) and o.reason == "revoked"),
    ],
)
def test_slack_answers_are_understood(
    slack: RunningSlack, answer: SlackAnswerKind, check: Callable[[DeliveryOutcome], bool]
) -> None:
    slack.server.answers.answer_next(answer, retry_after="7")
    outcome = deliver(slack.webhook_url)
    assert check(outcome), outcome
    assert slack.server.messages() == []


def test_a_revoked_webhook_says_what_to_do(slack: RunningSlack) -> None:
    slack.server.answers.answer_next("revoked")
    outcome = deliver(slack.webhook_url)
    assert isinstance(outcome, GiveUp)
    assert outcome.detail.startswith("Slack answered 404 no_service: the webhook URL was revoked")
    assert "make a new incoming webhook" in outcome.detail
    assert outcome.status == 404


def test_a_server_error_keeps_slacks_word(slack: RunningSlack) -> None:
    slack.server.answers.answer_next("server_error")
    outcome = deliver(slack.webhook_url)
    assert isinstance(outcome, RetryLater)
    assert outcome.detail == "Slack (127.0.0.1) answered 500 rollup_error"


def test_a_slow_answer_within_the_timeout_is_delivered(slack: RunningSlack) -> None:
    slack.server.answers.answer_next("slow", delay_s=0.5)
    assert deliver(slack.webhook_url, timeout_s=5.0) == Delivered(200)


def test_an_answer_slower_than_the_timeout_is_retried(slack: RunningSlack) -> None:
    slack.server.answers.answer_next("slow", delay_s=2.0)
    outcome = deliver(slack.webhook_url, timeout_s=0.3)
    assert isinstance(outcome, RetryLater)
    assert outcome.reason == "timeout"


def test_nobody_listening_is_unreachable_and_the_secret_path_is_never_told() -> None:
    url = f"http://127.0.0.1:{free_port()}/services/T1/B1/very-secret-token"
    outcome = deliver(url)
    assert isinstance(outcome, RetryLater)
    assert outcome.reason == "unreachable"
    assert "very-secret-token" not in outcome.detail
    assert "/services" not in outcome.detail
    assert "127.0.0.1" in outcome.detail


def test_a_wrong_token_is_refused_like_slack_does(slack: RunningSlack) -> None:
    wrong = slack.webhook_url.rsplit("/", 1)[0] + "/not-the-token"
    outcome = deliver(wrong)
    assert isinstance(outcome, GiveUp)
    assert outcome.reason == "revoked"
    assert "not-the-token" not in outcome.detail


def test_the_repr_hides_the_url() -> None:
    async def make() -> str:
        async with aiohttp.ClientSession() as session:
            return repr(
                SlackSink(
                    "ops",
                    SecretStr("https://hooks.slack.com/services/T/B/tok"),
                    session,
                    timeout_s=1,
                )
            )

    assert asyncio.run(make()) == "SlackSink(name='ops', target='Slack (hooks.slack.com)')"
