"""Fixtures of the sink tests: the local Slack-like server and webhook receiver, running."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from dexwatch.sinks.config import SlackSinkConfig
from tests.http_servers import ServerThread, SlackLikeServer, WebhookReceiver

RECEIVER_SECRET = b"s3cr3t-shared-with-the-receiver"


@dataclass
class RunningSlack:
    server: SlackLikeServer
    thread: ServerThread

    @property
    def webhook_url(self) -> str:
        return self.thread.url(self.server.path)

    def sink_config(self, name: str = "ops") -> SlackSinkConfig:
        """A Slack sink of that name posting here."""
        return SlackSinkConfig(name=name, webhook_url=SecretStr(self.webhook_url))


@dataclass
class RunningReceiver:
    receiver: WebhookReceiver
    thread: ServerThread

    @property
    def url(self) -> str:
        return self.thread.url("/hook")


@pytest.fixture
def slack() -> Iterator[RunningSlack]:
    server = SlackLikeServer()
    with ServerThread(server.app) as thread:
        yield RunningSlack(server, thread)


@pytest.fixture
def receiver() -> Iterator[RunningReceiver]:
    taker = WebhookReceiver(RECEIVER_SECRET)
    thread = ServerThread(taker.app)
    thread.start()
    try:
        yield RunningReceiver(taker, thread)
    finally:
        thread.stop()
