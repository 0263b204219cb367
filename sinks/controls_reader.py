"""Reading the incident-controls topic into a `SnoozeBook`, for as long as the sinks run.

No consumer group: every sink process reads the whole (compacted) topic from its start, and
the sinks start delivering only once it has read as far as the topic went when it started,
so a snooze set before a restart holds from the first alert on.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer

from dexwatch.messaging import topic_partitions
from dexwatch.schemas.codec import decode
from dexwatch.schemas.errors import SchemaError
from dexwatch.schemas.incident_control import IncidentControl
from dexwatch.sinks.metrics import SinkMetrics
from dexwatch.sinks.snooze_book import SnoozeBook

__all__ = ["read_controls"]

_LOG = logging.getLogger("dexwatch.sinks")
_REPORT_EVERY_S = 60.0


async def read_controls(
    consumer: AIOKafkaConsumer,
    topic: str,
    book: SnoozeBook,
    caught_up: asyncio.Event,
    stop: asyncio.Event,
    metrics: SinkMetrics,
) -> None:
    """`consumer`: started, with no group. Sets `caught_up` once the topic is read to where it
    ended at the start."""
    partitions = await topic_partitions(consumer, topic)
    if not partitions:  # `dexwatch sink` creates it; without it, nothing is snoozed
        _LOG.warning("sinks: no topic %s: no incident can be snoozed", topic)
        caught_up.set()
        return
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends = await consumer.end_offsets(partitions)
    refused, last_report = 0, time.monotonic()
    while not stop.is_set():
        if not caught_up.is_set() and all(
            [await consumer.position(tp) >= end for tp, end in ends.items()]
        ):
            _LOG.info("sinks: %d incident(s) snoozed per %s", len(book), topic)
            caught_up.set()
        batch = await consumer.getmany(timeout_ms=200)
        for records in batch.values():
            for record in records:
                if record.value is None:
                    if record.key:
                        book.apply(record.key.decode("utf-8", "replace"), None)
                    continue
                try:
                    control = decode(IncidentControl, record.value)
                except SchemaError:
                    refused += 1
                    continue
                book.apply(control.incident_id, control)
        metrics.incidents_snoozed.set(book.in_force(time.time()))
        if refused and time.monotonic() - last_report > _REPORT_EVERY_S:
            _LOG.warning(
                "sinks: %d record(s) of %s were not incident controls and were ignored; "
                "only the console should write there",
                refused,
                topic,
            )
            refused, last_report = 0, time.monotonic()
