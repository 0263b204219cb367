"""A local server that answers like a Slack incoming webhook.

`POST /services/<T>/<B>/<token>` (the shape of `https://hooks.slack.com/services/...`) answers,
as Slack does, in plain text: `200 ok`; `400 invalid_payload` for a body that is not a JSON
object and `400 invalid_blocks` for Block Kit beyond Slack's limits; `404 no_service` for a
path it does not know (or a revoked webhook), `403 action_prohibited`, `410 channel_is_archived`;
`429 rate_limited` with `Retry-After: <seconds>`; `500 rollup_error`; and slow answers.
Scripting: `server.answers.answer_next(kind, times, retry_after=..., delay_s=...)` from
Python, or `POST /admin {"answer_next": kind, "times": n, "retry_after": "1", "delay_s": 0.5}`;
`GET /admin` shows the state. `received` holds every message it answered `ok` to.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import orjson
from aiohttp import web

from tests.http_servers.scripted_answers import ScriptedAnswers

__all__ = ["SLACK_ANSWERS", "SlackAnswerKind", "SlackLikeServer", "block_kit_problem"]

SlackAnswerKind = Literal[
    "ok", "slow", "rate_limited", "server_error", "invalid_payload", "revoked", "forbidden",
    "archived",
]  # fmt: skip
SLACK_ANSWERS: tuple[SlackAnswerKind, ...] = get_args(SlackAnswerKind)

_ANSWERS: dict[str, tuple[int, str]] = {
    "rate_limited": (429, "rate_limited"),
    "server_error": (500, "rollup_error"),
    "invalid_payload": (400, "invalid_payload"),
    "revoked": (404, "no_service"),
    "forbidden": (403, "action_prohibited"),
    "archived": (410, "channel_is_archived"),
}
_BLOCK_TYPES = {"header", "section", "context", "actions", "divider"}


@dataclass
class SlackLikeServer:
    """The application and its records; serve it with `ServerThread(server.app)`."""

    path: str = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
    answers: ScriptedAnswers[SlackAnswerKind] = field(default_factory=lambda: ScriptedAnswers("ok"))
    received: list[dict[str, Any]] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)  # each request's answer, in order
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/services/{team}/{bot}/{token}", self._webhook)
        app.router.add_get("/admin", self._admin)
        app.router.add_post("/admin", self._admin)
        return app

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.received)

    async def _webhook(self, request: web.Request) -> web.Response:
        if request.path != self.path:
            return self._answer("revoked", "unknown path")
        answer = self.answers.take()
        if answer.delay_s:
            await asyncio.sleep(answer.delay_s)
        if answer.kind in _ANSWERS:
            headers = {"Retry-After": answer.retry_after} if answer.retry_after else {}
            return self._answer(answer.kind, answer.kind, headers)
        try:
            message = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return self._answer("invalid_payload", "not JSON")
        problem = block_kit_problem(message)
        if problem is not None:
            with self._lock:
                self.answered.append(f"invalid_blocks: {problem}")
            return web.Response(status=400, text="invalid_blocks")
        with self._lock:
            self.received.append(message)
            self.answered.append(answer.kind)
        return web.Response(status=200, text="ok")

    def _answer(self, kind: str, note: str, headers: dict[str, str] | None = None) -> web.Response:
        status, text = _ANSWERS[kind]
        with self._lock:
            self.answered.append(f"{kind}: {note}" if note != kind else kind)
        return web.Response(status=status, text=text, headers=headers)

    async def _admin(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            command = orjson.loads(await request.read())
            kind = command["answer_next"]
            if kind not in SLACK_ANSWERS:
                return web.json_response({"error": f"unknown answer {kind!r}"}, status=400)
            self.answers.answer_next(
                kind,
                int(command.get("times", 1)),
                retry_after=command.get("retry_after"),
                delay_s=float(command.get("delay_s", 0.0)),
            )
        with self._lock:
            state = {"received": len(self.received), "answered": list(self.answered)}
        return web.json_response(state | {"pending": self.answers.pending})


def block_kit_problem(message: Any) -> str | None:
    """What Slack would refuse in `message` (the limits it documents), or None."""
    if not isinstance(message, dict):
        return "not a JSON object"
    blocks = message.get("blocks")
    if blocks is None:
        return None if isinstance(message.get("text"), str) and message["text"] else "no text"
    if not isinstance(blocks, list) or not 0 < len(blocks) <= 50:
        return "blocks must be a list of 1 to 50"
    for index, block in enumerate(blocks):
        problem = _block_problem(block)
        if problem is not None:
            return f"blocks[{index}]: {problem}"
    return None


def _block_problem(block: Any) -> str | None:
    if not isinstance(block, dict) or block.get("type") not in _BLOCK_TYPES:
        return "unknown block type"
    kind = block["type"]
    if kind == "header":
        return _text_problem(block.get("text"), 150, plain_only=True)
    if kind == "section":
        fields = block.get("fields", [])
        if "text" not in block and not fields:
            return "a section needs text or fields"
        if len(fields) > 10:
            return "more than 10 fields"
        problems = [_text_problem(block.get("text"), 3000)] if "text" in block else []
        problems += [_text_problem(item, 2000) for item in fields]
        return next((problem for problem in problems if problem), None)
    if kind == "context":
        elements = block.get("elements", [])
        if not 0 < len(elements) <= 10:
            return "a context needs 1 to 10 elements"
        return next((p for p in (_text_problem(e, 3000) for e in elements) if p), None)
    if kind == "actions":
        for element in block.get("elements", []):
            if element.get("type") != "button" or len(str(element.get("url", ""))) > 3000:
                return "an actions element must be a button with a url of at most 3000"
            problem = _text_problem(element.get("text"), 75, plain_only=True)
            if problem:
                return problem
    return None


def _text_problem(text: Any, limit: int, *, plain_only: bool = False) -> str | None:
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(text, dict) or text.get("type") not in allowed:
        return f"a text object must be one of {allowed}"
    content = text.get("text")
    if not isinstance(content, str) or not 0 < len(content) <= limit:
        return f"text must be 1 to {limit} characters"
    return None
