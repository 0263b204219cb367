"""`TheGraphConnector`: poll The Graph on a schedule and publish what changed.

One cycle: choose the pools, read their snapshots and new final hours and the transactions
since the cursor, all pinned to one block no older than the last; send metric events,
transactions and dead letters; wait for Kafka to acknowledge them; only then save the checkpoint.
A cycle that fails on a retryable error emits nothing and saves nothing: the next one reads the
same data again. Fatal errors (key, query, schema drift, budget) stop the connector.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Self

from dexwatch.connectors.kafka_producer import ProducerError
from dexwatch.connectors.thegraph.block_reader import BlockReader, BlockRef
from dexwatch.connectors.thegraph.checkpoint import Checkpoint, CheckpointStore
from dexwatch.connectors.thegraph.clock import Clock, SystemClock
from dexwatch.connectors.thegraph.errors import (
    RetriesExhaustedError,
    RetryableQueryError,
    UpstreamValueError,
)
from dexwatch.connectors.thegraph.graph_client import GraphClient
from dexwatch.connectors.thegraph.metrics import TheGraphMetrics
from dexwatch.connectors.thegraph.pool_events import PoolPoint, metric_event
from dexwatch.connectors.thegraph.pool_poller import PoolPoll, poll_pools
from dexwatch.connectors.thegraph.pool_selection import PoolSelection, select_pools
from dexwatch.connectors.thegraph.queries import DIALECTS, Dialect
from dexwatch.connectors.thegraph.query_budget import QueryBudget
from dexwatch.connectors.thegraph.record_sink import RecordSink
from dexwatch.connectors.thegraph.rejections import Rejection, dead_letter
from dexwatch.connectors.thegraph.settings import TheGraphSettings
from dexwatch.connectors.thegraph.transaction_poller import (
    TransactionPoll,
    poll_transactions,
    transaction_window,
)

__all__ = ["CycleReport", "TheGraphConnector"]

_LOG = logging.getLogger("dexwatch.connectors.thegraph")


@dataclass(frozen=True)
class CycleReport:
    """What one cycle read and sent."""

    block: BlockRef | None
    pools: int
    hourly_events: int = 0
    snapshot_events: int = 0
    transactions: int = 0
    dead_letters: int = 0
    filled_hours: int = 0
    behind: bool = False


class TheGraphConnector:
    """Use as an async context manager: it holds the HTTP session to the endpoint."""

    def __init__(
        self,
        settings: TheGraphSettings,
        *,
        sink: RecordSink,
        metrics: TheGraphMetrics | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics if metrics is not None else TheGraphMetrics()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._rng = rng if rng is not None else random.Random()
        self._sink = sink
        self._dialect = DIALECTS[settings.schema_version]
        self.store = CheckpointStore(settings.checkpoint_path)
        self.checkpoint = self.store.load(settings.source)
        self.budget = QueryBudget(
            settings.queries_per_minute,
            settings.queries_per_month,
            self.clock,
            month=self.checkpoint.budget_month,
            used_this_month=self.checkpoint.budget_used,
        )
        self._client = GraphClient(
            settings.endpoint,
            api_key=settings.api_key,
            budget=self.budget,
            metrics=self.metrics,
            clock=self.clock,
            timeout_s=settings.request_timeout_s,
        )

    async def __aenter__(self) -> Self:
        await self._client.open()
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        await self._client.close()

    async def run_forever(self) -> None:
        """Poll every `interval_s` (at once again while catching up) until cancelled."""
        while True:
            started = self.clock.now()
            report = await self.poll_once_or_log()
            if report is not None and report.behind:
                continue
            await self.clock.sleep(self.settings.interval_s - (self.clock.now() - started))

    async def poll_once_or_log(self) -> CycleReport | None:
        """One cycle; a failure that may pass (upstream or Kafka) is logged and counted, and the
        next cycle reads the same data again (already sent records are resent, same ids)."""
        try:
            return await self.poll_once()
        except (RetriesExhaustedError, RetryableQueryError, ProducerError) as error:
            _LOG.error("poll failed, nothing saved; trying again next interval: %s", error)
            return None

    async def poll_once(self) -> CycleReport:
        """One cycle; raises on any failure (nothing is saved then)."""
        try:
            report = await self._cycle()
        except BaseException:
            self.metrics.cycles.labels(result="failed").inc()
            raise
        self.metrics.cycles.labels(result="ok").inc()
        _LOG.info(
            "block %s: %d pools, %d hourly + %d snapshot events, %d transactions, "
            "%d dead letters, %d quiet hours filled%s",
            report.block.number if report.block is not None else "-",
            report.pools,
            report.hourly_events,
            report.snapshot_events,
            report.transactions,
            report.dead_letters,
            report.filled_hours,
            " (catching up)" if report.behind else "",
        )
        return report

    async def _cycle(self) -> CycleReport:
        settings, checkpoint = self.settings, self.checkpoint
        reader = BlockReader(
            self._client,
            floor=checkpoint.block,
            retry=settings.retry,
            clock=self.clock,
            rng=self._rng,
            metrics=self.metrics,
        )
        previous = PoolSelection(checkpoint.selected_pools, checkpoint.selected_at)
        selection = await select_pools(reader, self._dialect, settings, previous, self.clock.now())
        self.metrics.pools_watched.set(len(selection.pools))
        if not selection.pools:
            _LOG.warning("no pools to watch (the subgraph listed none)")
            return CycleReport(block=reader.pinned, pools=0)
        pools = await poll_pools(
            reader,
            self._dialect,
            selection.pools,
            checkpoint.pools,
            page_size=settings.page_size,
            backfill_hours=settings.backfill_hours,
        )
        transactions = None
        if settings.transactions:
            window = transaction_window(
                checkpoint.transactions_after,
                pools.block.timestamp,
                backfill_s=settings.transactions_backfill_s,
                max_window_s=settings.max_window_s,
            )
            transactions = await poll_transactions(
                reader,
                self._dialect,
                pools.identities,
                pools.progress,
                window,
                chain=settings.chain,
                dex=settings.dex,
                page_size=settings.page_size,
            )
        report = self._send(pools, transactions, len(selection.pools))
        await asyncio.to_thread(self._sink.flush)
        self._save(pools, transactions, selection)
        return report

    def _send(
        self, pools: PoolPoll, transactions: TransactionPoll | None, pool_count: int
    ) -> CycleReport:
        settings = self.settings
        rejections = list(pools.rejections)
        counts = {"hourly": 0, "snapshot": 0}
        for point in pools.points:
            try:
                event = metric_event(point, settings.chain, settings.dex)
            except UpstreamValueError as error:
                rejections.append(_point_rejection(point, error, self._dialect))
                continue
            kind = "pool_hour" if point.feed == "hourly" else "pool_snapshot"
            self._sink.send(kind, settings.metrics_topic, event.series_key.encode(), event)
            counts[point.feed] += 1
        if transactions is not None:
            rejections.extend(transactions.rejections)
            for transaction in transactions.transactions:
                key = transaction.series_key.encode()
                self._sink.send("transaction", settings.transactions_topic, key, transaction)
        failed_at = datetime.fromtimestamp(self.clock.now(), UTC)
        for rejection in rejections:
            record = dead_letter(rejection, settings.source, failed_at)
            self.metrics.upstream_rejected.labels(reason=rejection.error.reason).inc()
            _LOG.warning("refused %s: %s", settings.source, record.reason)
            key = record.original_key or b""
            self._sink.send("dead_letter", settings.dead_letter_topic, key, record)
        self.metrics.hours_filled.inc(pools.filled_hours)
        return CycleReport(
            block=pools.block,
            pools=pool_count,
            hourly_events=counts["hourly"],
            snapshot_events=counts["snapshot"],
            transactions=len(transactions.transactions) if transactions is not None else 0,
            dead_letters=len(rejections),
            filled_hours=pools.filled_hours,
            behind=transactions is not None and transactions.window.behind,
        )

    def _save(
        self, pools: PoolPoll, transactions: TransactionPoll | None, selection: PoolSelection
    ) -> None:
        progress = dict(self.checkpoint.pools)
        progress.update(pools.progress)
        update: dict[str, object] = {
            "block": pools.block,
            "selected_pools": selection.pools,
            "selected_at": selection.selected_at,
            "budget_month": self.budget.month,
            "budget_used": self.budget.used_this_month,
        }
        if transactions is not None:
            for pool, price in transactions.last_sqrt_prices.items():
                progress[pool] = progress[pool].model_copy(update={"last_sqrt_price": str(price)})
            update["transactions_after"] = transactions.window.until
        update["pools"] = progress
        checkpoint: Checkpoint = self.checkpoint.model_copy(update=update)
        self.store.save(checkpoint)
        self.checkpoint = checkpoint


def _point_rejection(point: PoolPoint, error: UpstreamValueError, dialect: Dialect) -> Rejection:
    entity = dialect.hours if point.feed == "hourly" else dialect.pools
    row = {"pool": point.identity.pool_id, "time": point.time, "feed": point.feed}
    return Rejection(entity, f"{point.identity.pool_id}@{point.time}", row, error)
