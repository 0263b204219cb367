"""One sink's consumer of the alerts topic: deliver in order, commit only what is done.

Each sink is its own consumer group (`dexwatch-sink-<name>`), so Slack being down does not hold
up a webhook. Records of one partition (all versions of one incident share a partition: the key
is the incident id) are handled one at a time, in order, and each offset is committed only
after its alert was delivered, left out by the filter, or dead-lettered; a sink that stops or
is killed resumes from the last committed offset and loses nothing. The delivered ledger keeps
it from sending again what it had finished with but not yet committed.

While a partition's alert waits between attempts, that partition is paused and the loop keeps
polling: other partitions go on, and the consumer stays in its group however long the wait.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from aiokafka.errors import CommitFailedError, IllegalStateError, RebalanceInProgressError
from aiokafka.structs import TopicPartition

from dexwatch.schemas.codec import decode
from dexwatch.schemas.errors import SchemaError
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.sinks.alerts_consumer import AlertRecord, AlertsConsumer
from dexwatch.sinks.base import RetryLater, Sink
from dexwatch.sinks.dead_letters import DeadLetterWriter, dead_letter_record
from dexwatch.sinks.delivered_ledger import DeliveredLedger
from dexwatch.sinks.delivery_policy import DeliveryPolicy
from dexwatch.sinks.incident_filter import IncidentFilter
from dexwatch.sinks.metrics import SinkMetrics
from dexwatch.sinks.retrying_delivery import DeliveryResult, Sleep, deliver_with_retries
from dexwatch.sinks.snooze_book import SnoozeBook

__all__ = ["SinkConsumer"]

_LOG = logging.getLogger("dexwatch.sinks")


class SinkConsumer:
    """Runs one sink over an (already subscribed and started) alerts consumer."""

    def __init__(
        self,
        sink: Sink,
        consumer: AlertsConsumer,
        *,
        incident_filter: IncidentFilter,
        policy: DeliveryPolicy,
        dead_letters: DeadLetterWriter,
        ledger: DeliveredLedger,
        metrics: SinkMetrics,
        rng: random.Random | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        poll_ms: int = 200,
        snoozes: SnoozeBook | None = None,
    ) -> None:
        self.sink = sink
        self._consumer = consumer
        self._filter = incident_filter
        self._policy = policy
        self._dead_letters = dead_letters
        self._ledger = ledger
        self._metrics = metrics
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._clock = clock
        self._poll_ms = poll_ms
        self._snoozes = snoozes
        self._busy: dict[TopicPartition, asyncio.Task[None]] = {}
        metrics.add_sink(sink.name)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; an alert being retried then is left uncommitted (read again)."""
        try:
            while not stop.is_set():
                batch = await self._consumer.getmany(timeout_ms=self._poll_ms)
                for partition, records in batch.items():
                    if records:
                        self._consumer.pause(partition)
                        self._busy[partition] = asyncio.create_task(
                            self._drain(partition, records),
                            name=f"sink {self.sink.name} {partition.topic}[{partition.partition}]",
                        )
                self._reap()
        finally:
            await self._cancel(list(self._busy))

    async def revoke(self, partitions: Iterable[TopicPartition]) -> None:
        """Partitions taken away in a rebalance: stop their work (their next owner redoes it)."""
        await self._cancel([partition for partition in partitions if partition in self._busy])

    def _reap(self) -> None:
        """Finished partitions fetch again; a failed one ends the sink (its error goes up)."""
        for partition, task in list(self._busy.items()):
            if task.done():
                del self._busy[partition]
                task.result()
                if partition in self._consumer.assignment():
                    self._consumer.resume(partition)

    async def _cancel(self, partitions: Sequence[TopicPartition]) -> None:
        tasks = [self._busy.pop(partition) for partition in partitions]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _drain(self, partition: TopicPartition, records: Sequence[AlertRecord]) -> None:
        for record in records:
            await self._handle(record)
            try:
                await self._consumer.commit({partition: record.offset + 1})
            except (CommitFailedError, IllegalStateError, RebalanceInProgressError) as error:
                _LOG.warning(
                    "sink %s: could not commit %s[%d] offset %d (%s): the partition moved to "
                    "another consumer, which will take it from there",
                    self.sink.name,
                    partition.topic,
                    partition.partition,
                    record.offset,
                    type(error).__name__,
                )
                return

    async def _handle(self, record: AlertRecord) -> None:
        try:
            incident = decode(IncidentEvent, record.value or b"")
        except SchemaError as error:
            detail = f"the record is not an incident event ({error}); it was not sent"
            await self._dead_letter(
                record, None, DeliveryResult(False, 0, "invalid_record", detail)
            )
            return
        if not self._filter.accepts(incident):
            self._metrics.filtered.labels(sink=self.sink.name).inc()
            return
        key = incident.idempotency_key
        where = _where(record)
        done = self._ledger.finished(key, where)
        if done is not None:
            self._metrics.already_done.labels(sink=self.sink.name).inc()
            _LOG.info("sink %s: %s was %s already; not sent again", self.sink.name, key, done)
            return
        await self._wait_out_snooze(incident)
        result = await deliver_with_retries(
            self.sink,
            incident,
            self._policy,
            sleep=self._sleep,
            rng=self._rng,
            on_retry=lambda outcome, attempt, wait: self._retrying(key, outcome, attempt, wait),
        )
        if not result.delivered:
            await self._dead_letter(record, incident, result)
            return
        self._ledger.record(key, "delivered", where)
        age = max(0.0, self._clock() - incident.updated_at.timestamp())
        self._metrics.delivered.labels(sink=self.sink.name).inc()
        self._metrics.delivery_seconds.labels(sink=self.sink.name).observe(age)
        _LOG.info(
            "sink %s: delivered %s (%s, sev %d) on attempt %d, %.1f s after it was made",
            self.sink.name,
            key,
            incident.status,
            incident.severity,
            result.attempts,
            age,
        )

    async def _wait_out_snooze(self, incident: IncidentEvent) -> None:
        """Hold a snoozed incident's version until the snooze ends (its partition stays
        paused; others go on). Looked up again each second: a snooze may end early."""
        if self._snoozes is None:
            return
        until = self._snoozes.snoozed_until(incident.incident_id, self._clock())
        if until is None:
            return
        self._metrics.snoozed.labels(sink=self.sink.name).inc()
        _LOG.info(
            "sink %s: %s is snoozed; held until %s",
            self.sink.name,
            incident.idempotency_key,
            datetime.fromtimestamp(until, UTC).isoformat(timespec="seconds"),
        )
        while until is not None:
            await self._sleep(min(1.0, max(0.0, until - self._clock())))
            until = self._snoozes.snoozed_until(incident.incident_id, self._clock())

    def _retrying(self, key: str, outcome: RetryLater, attempt: int, wait: float) -> None:
        self._metrics.retried.labels(sink=self.sink.name, reason=outcome.reason).inc()
        _LOG.warning(
            "sink %s: %s; attempt %d of %d for %s failed, next in %.1f s",
            self.sink.name,
            outcome.detail,
            attempt,
            self._policy.max_attempts,
            key,
            wait,
        )

    async def _dead_letter(
        self, record: AlertRecord, incident: IncidentEvent | None, result: DeliveryResult
    ) -> None:
        assert result.reason is not None
        await self._dead_letters.write(
            dead_letter_record(
                sink=self.sink.name,
                sink_kind=self.sink.kind,
                record=record,
                incident=incident,
                reason=result.reason,
                detail=result.detail,
                attempts=result.attempts,
                last_status=result.last_status,
            )
        )
        if incident is not None:
            self._ledger.record(incident.idempotency_key, "dead_lettered", _where(record))
        self._metrics.dead_lettered.labels(sink=self.sink.name, reason=result.reason).inc()
        _LOG.error(
            "sink %s: %s; alert %s dead-lettered to %s (%s)",
            self.sink.name,
            result.detail,
            incident.idempotency_key if incident is not None else f"at offset {record.offset}",
            self._dead_letters.topic,
            result.reason,
        )


def _where(record: AlertRecord) -> str:
    return f"{record.topic}:{record.partition}:{record.offset}"
