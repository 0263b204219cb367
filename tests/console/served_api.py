"""The console's app on a real local port over a store filled directly (no broker), with a
writer that records what would go to the topics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from dexwatch.console.api.context import ConsoleContext
from dexwatch.console.app import build_app
from dexwatch.console.backtest_jobs import BacktestJobs
from dexwatch.console.metrics import ConsoleMetrics
from dexwatch.console.settings import ConsoleSettings
from dexwatch.console.store.console_store import ConsoleStore
from dexwatch.console.store.ingest_batch import IngestBatch
from dexwatch.console.topics import ConsoleTopics
from dexwatch.detectors.series_settings import SeriesModelSettings

__all__ = ["READ", "TOPICS", "WRITE", "Api", "RecordingWriter", "served_api"]

READ = "read-token-for-tests-0123"
WRITE = "write-token-for-tests-4567"
TOPICS = ConsoleTopics(
    anomalies="a",
    alerts="al",
    scores="s",
    model_actions="m",
    feedback="f",
    incident_controls="c",
    partitions=1,
)


@dataclass
class RecordingWriter:
    written: list[tuple[str, bytes, bytes]] = field(default_factory=list)

    async def write(self, topic: str, key: bytes, value: bytes) -> None:
        self.written.append((topic, key, value))


@dataclass
class Api:
    session: aiohttp.ClientSession
    base: str
    context: ConsoleContext
    writer: RecordingWriter
    app: web.Application

    async def get(self, path: str, token: str | None = READ, **params: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.get(self.base + path, params=params, headers=headers) as answer:
            return answer.status, await answer.json()

    async def send(
        self, method: str, path: str, body: Any = None, token: str | None = WRITE, **params: Any
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = body if isinstance(body, bytes) else None
        json = None if isinstance(body, bytes) else body
        async with self.session.request(
            method, self.base + path, json=json, data=data, params=params, headers=headers
        ) as answer:
            return answer.status, await answer.json()


@asynccontextmanager
async def served_api(
    tmp_path: Path, *batches: IngestBatch, datasets: dict[str, SeriesModelSettings] | None = None
) -> AsyncIterator[Api]:
    settings = ConsoleSettings(
        token=SecretStr(READ), write_token=SecretStr(WRITE), store_path=tmp_path / "c.sqlite3"
    )
    store = ConsoleStore(settings.store_path)
    for batch in batches:
        store.apply(batch)
    writer = RecordingWriter()
    context = ConsoleContext(
        settings=settings,
        topics=TOPICS,
        store=store,
        writer=writer,
        metrics=ConsoleMetrics(),
        backtests=BacktestJobs(tmp_path / "backtests", 1, lambda: None),
        caught_up=asyncio.Event(),
        dataset_settings=datasets or {},
    )
    app = build_app(context)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            yield Api(session, str(server.make_url("")).rstrip("/"), context, writer, app)
    finally:
        await server.close()
        context.backtests.close()
        context.readers.shutdown()
        store.close()
