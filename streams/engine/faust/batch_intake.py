"""The input topics' records in batches straight from faust's fetcher, without its per-record
stream (`DEXWATCH_BATCH_INTAKE`, faust-streaming 0.15).

faust hands each fetched record on one at a time: `Consumer._drain_messages` awaits
`wait_first(callback(message), suspend_flow.wait())` per record (two tasks), the conductor
decodes it into an `Event` on the topic's channel queue, and the agent's `Stream` takes it
back out, tracks and acknowledges it. For a record holding one event that is most of the
worker's time (docs/benchmarks.md). Here the fetcher loop (faust's own, its read offsets,
gap and commit-every bookkeeping kept) puts each fetch's input records in one batch; records
of other topics (the incident agents', changelogs) still take faust's path.

Semantics kept from the `Stream`: a batch fetched in an older consumer generation, or taken
while flow is suspended (a rebalance), is dropped untracked and unacknowledged (whoever holds
the partition next reads it from the committed offset); records are tracked when their batch
is taken and acknowledged once it is handled, so a rebalance or shutdown waits for the batch
in hand (`Consumer.wait_empty`) and faust commits only what was handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

import faust
from faust.transport.consumer import CONSUMER_FETCHING
from mode import Service

from dexwatch.schemas.errors import DexwatchError
from dexwatch.streams.intake.records import ConsumedRecord

__all__ = ["BatchIntake", "BatchIntakeError", "IntakeLoop", "TakenBatch"]

log = logging.getLogger(__name__)

QUEUED_FETCHES = 8  # fetches held between the fetcher and the handler: back-pressure
# A batch holds up to this many bytes of records (queued fetches joined, a large one cut): a
# batch of envelopes must not keep the handler busy for seconds, the offsets unmoved (the stall
# watchdog would take its partitions for stalled).
MAX_BATCH_BYTES = 1024 * 1024
# Records the fetcher hands on before it yields to the event loop (faust's `yield_every`).
YIELD_EVERY = 1000


class BatchIntakeError(DexwatchError, RuntimeError):
    """This faust's consumer does not fetch the way `BatchIntake` expects."""


@dataclass(frozen=True, slots=True)
class _Fetched:
    generation: int
    messages: list[Any]  # faust `ConsumerMessage`s of the input topics, in fetch order


@dataclass(frozen=True, slots=True)
class TakenBatch:
    """Records to handle; `BatchIntake.acknowledge` them once their outputs are sent."""

    records: list[ConsumedRecord]
    messages: list[Any]


class BatchIntake:
    """Replaces the started app's fetcher loop; `take` returns the next batch to handle."""

    def __init__(self, app: faust.App, topics: Collection[str]) -> None:
        self._app = app
        self._topics = frozenset(topics)
        self._queue: asyncio.Queue[_Fetched] | None = None
        self._rest: _Fetched | None = None  # a fetch's records left over from the last batch

    def install(self) -> None:
        """Put the batching loop in place of the consumer's (before the worker starts)."""
        consumer: Any = self._app.consumer
        needed = ("_drain_messages", "getmany", "_read_offset", "callback", "_add_gap")
        missing = [name for name in needed if not hasattr(consumer, name)]
        if missing or not hasattr(consumer, "_commit_every"):
            raise BatchIntakeError(
                f"faust {faust.__version__}: the consumer has no {missing or '_commit_every'}; "
                "dexwatch's batch intake supports faust-streaming 0.15 "
                "(DEXWATCH_BATCH_INTAKE=false uses faust's stream)"
            )
        consumer._drain_messages = self._drain

    def _fetched(self) -> asyncio.Queue[_Fetched]:
        if self._queue is None:  # in the worker's loop, not at import
            self._queue = asyncio.Queue(QUEUED_FETCHES)
        return self._queue

    async def take(self) -> TakenBatch:
        """The next batch of the current generation (queued fetches joined), tracked."""
        queue = self._fetched()
        app: Any = self._app
        while True:
            fetched = await self._next_fetches(queue)
            generation = app.consumer_generation_id
            current = [f for f in fetched if f.generation == generation]
            if not app.flow_control.is_active():
                current = []
            if len(current) < len(fetched):
                stale = sum(len(f.messages) for f in fetched if f not in current)
                log.debug("dropped %d record(s) fetched before a rebalance", stale)
            messages = [message for f in current for message in f.messages]
            if messages:
                break
        track = app.consumer.track_message
        records = []
        for message in messages:
            track(message)
            records.append(
                ConsumedRecord(
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    key=message.key,
                    value=message.value or b"",  # a tombstone's None: dead-lettered `empty`
                )
            )
        return TakenBatch(records, messages)

    async def _next_fetches(self, queue: asyncio.Queue[_Fetched]) -> list[_Fetched]:
        """Queued fetches up to MAX_BATCH_BYTES (at least one record); the rest of a fetch
        cut short is taken first next time."""
        fetched: list[_Fetched] = []
        size = 0
        while size < MAX_BATCH_BYTES and (
            self._rest is not None or not queue.empty() or not fetched
        ):
            whole = self._rest if self._rest is not None else await queue.get()
            self._rest = None
            taken: list[Any] = []
            for index, message in enumerate(whole.messages):
                if taken and size >= MAX_BATCH_BYTES:
                    self._rest = _Fetched(whole.generation, whole.messages[index:])
                    break
                taken.append(message)
                size += len(message.value or b"")
            fetched.append(_Fetched(whole.generation, taken))
        return fetched

    def acknowledge(self, taken: TakenBatch) -> None:
        """The batch is handled and its outputs are with the broker: faust may commit it."""
        ack = self._app.consumer.ack
        for message in taken.messages:
            ack(message)

    async def _drain(self, fetcher: Any) -> None:  # pragma: no cover - faust's loop, batched
        """faust-streaming 0.15's `Consumer._drain_messages`, the input topics batched."""
        consumer: Any = self._app.consumer
        app: Any = self._app
        callback = consumer.callback
        consumer_should_stop = consumer._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        get_read_offset = consumer._read_offset.__getitem__
        set_read_offset = consumer._read_offset.__setitem__
        commit_every = consumer._commit_every
        acks_enabled_for = app.topics.acks_enabled_for
        inputs = self._topics
        queue = self._fetched()
        sleep = asyncio.sleep
        since_yield = 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                consumer.diag.set_flag(CONSUMER_FETCHING)
                ait = consumer.getmany(timeout=1.0)
                await sleep(0)
                if consumer.should_stop:
                    continue
                batch: list[Any] = []
                generation = app.consumer_generation_id
                async for tp, message in ait:
                    since_yield += 1
                    if since_yield > YIELD_EVERY:
                        await sleep(0)
                        since_yield = 0
                    offset = message.offset
                    read = get_read_offset(tp)
                    if read is not None and offset < read:
                        continue  # faust drops these too (a seek back it already read past)
                    if read and offset - read > 1 and acks_enabled_for(message.topic):
                        await consumer._add_gap(tp, read + 1, offset)
                    if commit_every is not None and consumer._n_acked >= commit_every:
                        consumer._n_acked = 0
                        await consumer.commit()
                    if message.topic in inputs:
                        batch.append(message)
                    else:
                        await consumer.wait_first(callback(message), consumer.suspend_flow.wait())
                    set_read_offset(tp, offset)
                if batch:
                    await queue.put(_Fetched(generation, batch))
                consumer.diag.unset_flag(CONSUMER_FETCHING)
        except consumer.consumer_stopped_errors:
            if app.should_stop:
                log.info("broker stopped the consumer, shutting down")
                return
            raise
        except asyncio.CancelledError:
            if app.should_stop:
                return
            raise
        finally:
            consumer.diag.unset_flag(CONSUMER_FETCHING)


class IntakeLoop(Service):
    """Takes, handles and acknowledges batches, one at a time. Added to the app as a service
    (`app.service`), it is stopped before the app's producer and tables, as agents are; a
    batch it is cancelled in is neither acknowledged nor committed, and is read again."""

    def __init__(
        self,
        intake: BatchIntake,
        handle: Callable[[list[ConsumedRecord]], Awaitable[None]],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._intake = intake
        self._handle = handle

    @Service.task
    async def _run(self) -> None:
        while not self.should_stop:
            taken = await self._intake.take()
            await self._handle(taken.records)
            self._intake.acknowledge(taken)
