"""A webhook receiver as the docs tell one to be: verify, then take each key once.

`POST /hook` checks the signature with `sinks.webhook.verification.verify_signature` (the
documented receiver code, v2 or the deprecated v1 unless `accept_v1=False`): a bad or stale one
or one replayed under a new key is answered `401` and counted in `rejected`.
A good one is recorded under its `Idempotency-Key`: the first time `200 accepted`, again
`200 duplicate` (a retry after a lost answer, or a restarted sink). Scripted answers
(`answers.answer_next("server_error")`, `"gone"`, `"bad_request"`) come before the check.
Serve it with `ServerThread(receiver.app)`, which can take it down and bring it back on the
same port.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

from dexwatch.sinks.webhook.signing import (
    IDEMPOTENCY_KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from dexwatch.sinks.webhook.verification import SignatureError, verify_signature
from tests.http_servers.scripted_answers import ScriptedAnswers

__all__ = ["ReceiverAnswerKind", "WebhookReceiver"]

ReceiverAnswerKind = Literal["verify", "server_error", "rate_limited", "gone", "bad_request"]
_STATUSES = {"server_error": 503, "rate_limited": 429, "gone": 410, "bad_request": 422}


@dataclass
class WebhookReceiver:
    secret: bytes
    accept_v1: bool = True  # the deprecated scheme, taken until dexwatch 0.3.0
    answers: ScriptedAnswers[ReceiverAnswerKind] = field(
        default_factory=lambda: ScriptedAnswers("verify")
    )
    deliveries: dict[str, list[bytes]] = field(default_factory=dict)  # key -> bodies taken
    order: list[str] = field(default_factory=list)  # keys, in the order first taken
    rejected: list[str] = field(default_factory=list)  # why each refused request was refused
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        return app

    def taken(self) -> dict[str, list[bytes]]:
        with self._lock:
            return {key: list(bodies) for key, bodies in self.deliveries.items()}

    def keys_in_order(self) -> list[str]:
        with self._lock:
            return list(self.order)

    async def _hook(self, request: web.Request) -> web.Response:
        answer = self.answers.take()
        if answer.delay_s:
            await asyncio.sleep(answer.delay_s)
        if answer.kind != "verify":
            headers = {"Retry-After": answer.retry_after} if answer.retry_after else {}
            return web.Response(status=_STATUSES[answer.kind], text=answer.kind, headers=headers)
        body = await request.read()
        try:
            verify_signature(
                self.secret,
                body,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(IDEMPOTENCY_KEY_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                accept_v1=self.accept_v1,
            )
        except SignatureError as error:
            with self._lock:
                self.rejected.append(str(error))
            return web.Response(status=401, text=str(error))
        key = request.headers.get(IDEMPOTENCY_KEY_HEADER, "")
        with self._lock:
            first = key not in self.deliveries
            self.deliveries.setdefault(key, []).append(body)
            if first:
                self.order.append(key)
        return web.Response(status=200, text="accepted" if first else "duplicate")
