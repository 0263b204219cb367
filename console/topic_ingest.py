"""Reading the console's topics into its store.

The console reads every partition of its six topics itself (no partition is shared out: each
console serves all of it), from the offsets its store holds, written with each batch in one
transaction: a store deleted is a store read again from the topics' start. It commits the same
offsets to its consumer group, `dexwatch-console-<name>`, only so that its lag shows where
every other consumer's does. A record that is not its topic's event is counted and skipped
(logged as a summary at most once a minute): the console is not where they are kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from dexwatch.console.metrics import ConsoleMetrics
from dexwatch.console.store.console_store import ConsoleStore
from dexwatch.console.store.ingest_batch import IngestBatch
from dexwatch.console.topics import ConsoleTopics
from dexwatch.messaging import KafkaConnection, topic_partitions
from dexwatch.messaging.aiokafka_config import aiokafka_config
from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.codec import decode
from dexwatch.schemas.errors import KafkaSetupError, SchemaError
from dexwatch.schemas.feedback import FeedbackEvent
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.incident_control import IncidentControl
from dexwatch.schemas.model_action import ModelActionEvent
from dexwatch.schemas.score_event import ScoreEvent

__all__ = ["TopicIngest"]

log = logging.getLogger(__name__)

_REPORT_EVERY_S = 60.0


class TopicIngest:
    def __init__(
        self,
        store: ConsoleStore,
        topics: ConsoleTopics,
        connection: KafkaConnection,
        group_id: str,
        metrics: ConsoleMetrics,
        *,
        poll_ms: int = 500,
        max_records: int = 5000,
    ) -> None:
        self.store = store
        self.topics = topics
        self.connection = connection
        self.group_id = group_id
        self.metrics = metrics
        self.poll_ms = poll_ms
        self.max_records = max_records
        self.caught_up = asyncio.Event()  # read up to the ends the topics had at start
        self._refused: Counter[str] = Counter()
        self._example = ""
        self._last_report = 0.0
        self._committing: asyncio.Task[None] | None = None
        self._adders: dict[str, Callable[[IngestBatch, bytes | None, bytes | None], None]] = {
            topics.anomalies: lambda b, _, v: b.anomalies.append(decode(AnomalyEvent, v or b"")),
            topics.alerts: lambda b, _, v: b.incidents.append(decode(IncidentEvent, v or b"")),
            topics.scores: lambda b, _, v: b.scores.append(decode(ScoreEvent, v or b"")),
            topics.model_actions: lambda b, _, v: b.model_actions.append(
                decode(ModelActionEvent, v or b"")
            ),
            topics.feedback: lambda b, _, v: b.feedback.append(decode(FeedbackEvent, v or b"")),
            topics.incident_controls: _add_control,
        }
        metrics.add_topics(topics.read)

    async def run(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            **aiokafka_config(self.connection),
            group_id=self.group_id,
            client_id=self.group_id,
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        try:
            await consumer.start()
        except KafkaError as error:
            raise KafkaSetupError(
                f"cannot reach Kafka at {self.connection.describe()}: {error}",
                "start it with `dexwatch kafka start`, or set DEXWATCH_BOOTSTRAP_SERVERS",
            ) from error
        try:
            partitions = await self._assign(consumer)
            ends = await consumer.end_offsets(partitions)
            await self._check_caught_up(consumer, ends)
            while not stop.is_set():
                fetched = await consumer.getmany(
                    timeout_ms=self.poll_ms, max_records=self.max_records
                )
                if fetched:
                    await self._store(consumer, fetched)
                await self._check_caught_up(consumer, ends)
                self._report()
        finally:
            if self._committing is not None:
                await asyncio.gather(self._committing, return_exceptions=True)
            await consumer.stop()

    async def _assign(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        partitions = [
            tp for topic in self.topics.read for tp in await topic_partitions(consumer, topic)
        ]
        consumer.assign(partitions)
        positions = await asyncio.to_thread(self.store.positions)
        fresh = []
        for tp in partitions:
            offset = positions.get((tp.topic, tp.partition))
            if offset is None:
                fresh.append(tp)
            else:
                consumer.seek(tp, offset)
        if fresh:
            await consumer.seek_to_beginning(*fresh)
        log.info(
            "console: reading %d partition(s) of %s (%d from their start)",
            len(partitions),
            ", ".join(self.topics.read),
            len(fresh),
        )
        return partitions

    async def _store(
        self, consumer: AIOKafkaConsumer, fetched: Mapping[TopicPartition, Sequence[Any]]
    ) -> None:
        # Decoded and written in a thread: the event loop keeps answering the API meanwhile.
        offsets = await asyncio.to_thread(self._decode_and_apply, fetched)
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit(consumer, offsets))

    def _decode_and_apply(
        self, fetched: Mapping[TopicPartition, Sequence[Any]]
    ) -> dict[TopicPartition, int]:
        batch = IngestBatch()
        for tp, records in fetched.items():
            for record in records:
                try:
                    self._adders[tp.topic](batch, record.key, record.value)
                except SchemaError as error:
                    self._refused[tp.topic] += 1
                    self.metrics.records_refused.labels(topic=tp.topic).inc()
                    self._example = f"{tp.topic}[{tp.partition}]@{record.offset}: {error}"
            if records:
                batch.next_offsets[(tp.topic, tp.partition)] = records[-1].offset + 1
                self.metrics.records_consumed.labels(topic=tp.topic).inc(len(records))
        self.store.apply(batch)
        return {TopicPartition(t, p): offset for (t, p), offset in batch.next_offsets.items()}

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """The group's offsets, for lag reporting only (the store holds the real ones): one
        commit at a time, never waited for by the reading."""
        try:
            await consumer.commit(offsets)
        except KafkaError as error:
            log.debug("console: committing offsets to the group failed: %s", error)

    async def _check_caught_up(
        self, consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]
    ) -> None:
        if self.caught_up.is_set():
            return
        if all([await consumer.position(tp) >= end for tp, end in ends.items()]):
            log.info("console: caught up with the topics")
            self.caught_up.set()

    def _report(self) -> None:
        now = time.monotonic()
        if not self._refused or now - self._last_report < _REPORT_EVERY_S:
            return
        self._last_report = now
        log.warning(
            "console: skipped %d record(s) that are not their topic's event (%s); latest: %s. "
            "They are not needed here; the producer writing them needs fixing",
            self._refused.total(),
            ", ".join(f"{topic} {count}" for topic, count in self._refused.most_common()),
            self._example,
        )
        self._refused.clear()


def _add_control(batch: IngestBatch, key: bytes | None, value: bytes | None) -> None:
    if value is None:  # a tombstone: the incident's controls were cleared
        if key:
            batch.controls.append((key.decode("utf-8", "replace"), None))
        return
    control = decode(IncidentControl, value)
    batch.controls.append((control.incident_id, control))
