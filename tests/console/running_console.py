"""A `ConsoleService` on the real broker, run on a background thread of this process, and a
small client of its API (urllib: real HTTP on a real port)."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import orjson
from pydantic import SecretStr

from dexwatch.console.service import ConsoleService
from dexwatch.console.settings import ConsoleSettings
from dexwatch.console.topics import ConsoleTopics
from dexwatch.messaging import connection_for
from tests.loop_thread import LoopThread
from tests.support.kafka_helpers import create_topic, wait_for

__all__ = ["READ", "WRITE", "RunningConsole", "fresh_topics"]

READ = "console-read-token-0123456"
WRITE = "console-write-token-0123456"


def fresh_topics(bootstrap: str, unique_name: Callable[[str], str]) -> ConsoleTopics:
    names = {
        kind: create_topic(bootstrap, unique_name(kind.replace("_", "-")), 3)
        for kind in ("anomalies", "alerts", "scores", "model_actions", "feedback")
    }
    controls = create_topic(bootstrap, unique_name("controls"), 2, {"cleanup.policy": "compact"})
    return ConsoleTopics(**names, incident_controls=controls, partitions=3)


class RunningConsole:
    def __init__(
        self, bootstrap: str, topics: ConsoleTopics, store: Path, name: str = "test"
    ) -> None:
        settings = ConsoleSettings(
            name=name,
            port=0,
            store_path=store,
            token=SecretStr(READ),
            write_token=SecretStr(WRITE),
        )
        self.service = ConsoleService(settings, topics, connection_for(bootstrap))
        self._thread = LoopThread("the console", self._main)

    def __enter__(self) -> Self:
        self._thread.start(wait_s=60)
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._thread.stop()

    async def _main(self, stop: asyncio.Event, started: Callable[[], None]) -> None:
        await self.service.start()
        started()
        try:
            waiting = asyncio.create_task(stop.wait())
            running = asyncio.create_task(self.service.wait())
            await asyncio.wait([waiting, running], return_when=asyncio.FIRST_COMPLETED)
            if running.done():
                running.result()
        finally:
            await self.service.stop()

    @property
    def caught_up(self) -> bool:
        return self.service.ingest.caught_up.is_set()

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = READ, **params: Any
    ) -> tuple[int, Any]:
        url = f"http://127.0.0.1:{self.service.port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None if body is None else orjson.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, orjson.loads(answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, orjson.loads(error.read())

    def get(self, path: str, **params: Any) -> Any:
        status, body = self.call("GET", path, **params)
        assert status == 200, (path, status, body)
        return body

    def wait_for(self, what: str, condition: Callable[[], Any], timeout_s: float = 60) -> Any:
        return wait_for(condition, timeout_s, what)
