"""The Slack look-alike refuses what Slack refuses, and obeys its admin endpoint."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from tests.http_servers import ServerThread, SlackLikeServer
from tests.http_servers.slack_like_server import block_kit_problem


@pytest.fixture
def running() -> Iterator[tuple[SlackLikeServer, ServerThread]]:
    server = SlackLikeServer()
    with ServerThread(server.app) as thread:
        yield server, thread


def post(url: str, body: Any) -> tuple[int, str, dict[str, str]]:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


HEADER = {"type": "header", "text": {"type": "plain_text", "text": "x"}}


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ({"text": "hi"}, None),
        ({"blocks": [HEADER]}, None),
        ({}, "no text"),
        ({"blocks": []}, "blocks must be a list of 1 to 50"),
        ({"blocks": [HEADER] * 51}, "blocks must be a list of 1 to 50"),
        ({"blocks": [{"type": "table"}]}, "blocks[0]: unknown block type"),
        (
            {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]},
            "blocks[0]: text must be 1 to 150 characters",
        ),
        (
            {"blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "*x*"}}]},
            "blocks[0]: a text object must be one of ('plain_text',)",
        ),
        (
            {"blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "a"}] * 11}]},
            "blocks[0]: more than 10 fields",
        ),
        (
            {
                "blocks": [
                    HEADER,
                    {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}},
                ]
            },
            "blocks[1]: text must be 1 to 3000 characters",
        ),
        ({"blocks": [{"type": "context", "elements": []}]}, "blocks[0]: a context needs 1 to 10"),
    ],
)
def test_block_kit_limits(message: dict[str, Any], problem: str | None) -> None:
    found = block_kit_problem(message)
    assert found == problem if problem is None else (found or "").startswith(problem)


def test_answers_like_slack(running: tuple[SlackLikeServer, ServerThread]) -> None:
    server, thread = running
    url = thread.url(server.path)
    assert post(url, {"text": "hello"})[:2] == (200, "ok")
    assert post(url, b"{nope")[:2] == (400, "invalid_payload")
    assert post(url, {"blocks": [{"type": "table"}]})[:2] == (400, "invalid_blocks")
    assert post(thread.url("/services/T/B/revoked"), {"text": "x"})[:2] == (404, "no_service")
    assert server.messages() == [{"text": "hello"}]


def test_the_admin_endpoint_scripts_the_next_answers(
    running: tuple[SlackLikeServer, ServerThread],
) -> None:
    server, thread = running
    state = post(
        thread.url("/admin"), {"answer_next": "rate_limited", "times": 2, "retry_after": "3"}
    )
    assert state[0] == 200
    assert orjson.loads(state[1])["pending"] == 2
    for _ in range(2):
        status, text, headers = post(thread.url(server.path), {"text": "x"})
        assert (status, text, headers["Retry-After"]) == (429, "rate_limited", "3")
    assert post(thread.url(server.path), {"text": "x"})[:2] == (200, "ok")
    assert post(thread.url("/admin"), {"answer_next": "teapot"})[0] == 400


def test_a_server_comes_back_on_the_same_port(
    running: tuple[SlackLikeServer, ServerThread],
) -> None:
    server, thread = running
    port = thread.port
    thread.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(thread.url("/admin"), timeout=2)
    thread.start()
    assert thread.port == port
    assert post(thread.url(server.path), {"text": "back"})[:2] == (200, "ok")
