"""What every route handler reaches: the store, the writer of topics, settings, metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import orjson
from aiohttp import web

from dexwatch.console.backtest_jobs import BacktestJobs
from dexwatch.console.metrics import ConsoleMetrics
from dexwatch.console.settings import ConsoleSettings
from dexwatch.console.store.console_store import ConsoleStore
from dexwatch.console.topic_backtest import TopicBacktest
from dexwatch.console.topics import ConsoleTopics
from dexwatch.detectors.series_settings import SeriesModelSettings

__all__ = ["CONTEXT", "ConsoleContext", "TopicWriter", "json_response", "list_response"]

T = TypeVar("T")


class TopicWriter(Protocol):
    async def write(self, topic: str, key: bytes, value: bytes) -> None:
        """Return once the broker has the record (acks=all)."""


@dataclass
class ConsoleContext:
    settings: ConsoleSettings
    topics: ConsoleTopics
    store: ConsoleStore
    writer: TopicWriter
    metrics: ConsoleMetrics
    backtests: BacktestJobs
    caught_up: asyncio.Event
    readers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="console-read")
    )
    clock: Callable[[], float] = time.time
    # The detector settings of each dataset the worker runs, for backtests named after one.
    dataset_settings: dict[str, SeriesModelSettings] = field(default_factory=dict)
    topic_backtest: TopicBacktest | None = None  # None: topic backtests are not offered

    async def read(self, query: Callable[[], T]) -> T:
        """Run a store query in a reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self.readers, query)


CONTEXT = web.AppKey("console", ConsoleContext)


def json_response(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json")


def list_response(items: list[str], next_cursor: str | None, **extra: str) -> web.Response:
    """Stored JSON items spliced in as they are (no parse and dump again)."""
    head = b"".join(b'"%s":%s,' % (k.encode(), orjson.dumps(v)) for k, v in extra.items())
    cursor = b',"next_cursor":' + orjson.dumps(next_cursor) if next_cursor else b""
    body = b"{" + head + b'"items":[' + ",".join(items).encode() + b"]" + cursor + b"}"
    return json_response(body)
