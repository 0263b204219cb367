"""`dexwatch console` running: the store, the topics read into it, the HTTP API served.

Nothing here is needed for detection or delivery: a console down or rebuilding only leaves
people without the page and the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from dexwatch.console.api.context import ConsoleContext
from dexwatch.console.app import build_app
from dexwatch.console.backtest_jobs import BacktestJobs
from dexwatch.console.metrics import ConsoleMetrics
from dexwatch.console.settings import ConsoleSettings
from dexwatch.console.store.console_store import ConsoleStore
from dexwatch.console.topic_backtest import TopicBacktest
from dexwatch.console.topic_ingest import TopicIngest
from dexwatch.console.topics import ConsoleTopics
from dexwatch.detectors.series_settings import SeriesModelSettings
from dexwatch.messaging import KafkaConnection
from dexwatch.messaging.aiokafka_config import aiokafka_config
from dexwatch.schemas.errors import KafkaSetupError

__all__ = ["ConsoleService"]

log = logging.getLogger(__name__)

_GAUGES_EVERY_S = 15.0


class _ProducerWriter:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def write(self, topic: str, key: bytes, value: bytes) -> None:
        await self._producer.send_and_wait(topic, value=value, key=key)


class ConsoleService:
    """Start with `start()` (returns once it serves), stop with `stop()`; `port` is the bound
    one (a port setting of 0 takes any free port)."""

    def __init__(
        self,
        settings: ConsoleSettings,
        topics: ConsoleTopics,
        connection: KafkaConnection,
        dataset_settings: Mapping[str, SeriesModelSettings] | None = None,
        metrics: ConsoleMetrics | None = None,
        datasets: Path | None = None,
    ) -> None:
        """`datasets`: the worker's datasets file or folder, for topic backtests."""
        self.settings = settings
        self.topics = topics
        self.connection = connection
        self.metrics = metrics or ConsoleMetrics()
        self.store = ConsoleStore(settings.store_path)
        self.group_id = f"dexwatch-console-{settings.name}"
        self.ingest = TopicIngest(self.store, topics, connection, self.group_id, self.metrics)
        self.backtests = BacktestJobs(
            settings.store_path.parent / "backtests", settings.max_backtest_jobs, lambda: None
        )
        self._dataset_settings = dict(dataset_settings or {})
        self._topic_backtest = TopicBacktest(connection.bootstrap_servers, datasets)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None
        self._producer: AIOKafkaProducer | None = None
        self.port = settings.port

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            **aiokafka_config(self.connection), client_id=self.group_id, acks="all"
        )
        try:
            await self._producer.start()
        except KafkaError as error:
            raise KafkaSetupError(
                f"cannot reach Kafka at {self.connection.describe()}: {error}",
                "start it with `dexwatch kafka start`, or set DEXWATCH_BOOTSTRAP_SERVERS",
            ) from error
        context = ConsoleContext(
            settings=self.settings,
            topics=self.topics,
            store=self.store,
            writer=_ProducerWriter(self._producer),
            metrics=self.metrics,
            backtests=self.backtests,
            caught_up=self.ingest.caught_up,
            dataset_settings=self._dataset_settings,
            topic_backtest=self._topic_backtest,
        )
        self._tasks = [
            asyncio.create_task(self.ingest.run(self._stop), name="console ingest"),
            asyncio.create_task(self._upkeep(context), name="console upkeep"),
        ]
        self._runner = web.AppRunner(build_app(context), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.bind, self.settings.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info(
            "console %s (group %s): store %s; API on http://%s:%d/api/v1 (OpenAPI: "
            "/api/v1/openapi.json), metrics on /metrics",
            self.settings.name,
            self.group_id,
            self.settings.store_path,
            self.settings.bind,
            self.port,
        )

    async def wait(self) -> None:
        """Until stopped, or until the ingest fails (its error goes up)."""
        done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            if task.get_name() == "console upkeep":
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
        if self._producer is not None:
            with contextlib.suppress(KafkaError):
                await self._producer.stop()
        self.backtests.close()
        self.store.close()

    async def _upkeep(self, context: ConsoleContext) -> None:
        """Retention and the store's gauges, now and then."""
        settings = self.settings
        last_prune = -math.inf
        while True:
            if time.monotonic() - last_prune >= settings.prune_interval_s:
                last_prune = time.monotonic()
                dropped = await asyncio.to_thread(
                    self.store.prune, settings.retention_days, settings.retention_days_by_dataset
                )
                if dropped:
                    self.metrics.rows_pruned.inc(dropped)
                    log.info("console: dropped %d row(s) past their dataset's retention", dropped)
            await self.refresh_gauges(context)
            await asyncio.sleep(_GAUGES_EVERY_S)

    async def refresh_gauges(self, context: ConsoleContext) -> None:
        counts = await context.read(self.store.row_counts)
        for table, rows in counts.items():
            self.metrics.store_rows.labels(table=table).set(rows)
        snoozed = await context.read(self._snoozed)
        self.metrics.incidents_snoozed.set(snoozed)

    def _snoozed(self) -> int:
        now_ms = int(time.time() * 1000)
        row = (
            self.store.reader()
            .execute(
                "SELECT count(*) FROM controls WHERE "
                "json_extract(body, '$.snoozed_until') IS NOT NULL AND "
                "CAST(strftime('%s', json_extract(body, '$.snoozed_until')) AS INTEGER) * 1000 > ?",
                (now_ms,),
            )
            .fetchone()
        )
        return int(row[0])
