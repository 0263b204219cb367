"""Consumer lag as the broker sees it: per input topic, high water minus the group's committed
offset, over the partitions this worker holds.

The gauge used to subtract faust's last-read offset from its cached high water over every
assigned partition, changelogs and the incident inputs included: it read 64 with every input
partition committed, and 150-160k after a drain (the changelogs' records, never "read" by the
stream). Here both numbers come from the broker (a ListOffsets and an OffsetFetch request),
only input partitions count, and the incident inputs are a gauge of their own. Records held in
open intervals are not committed past (a restart reads them again), so they count as lag.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Collection, Mapping
from typing import Any, TypeVar

import faust
from aiokafka.errors import KafkaError

from dexwatch.schemas.errors import DexwatchError
from dexwatch.streams.engine.commit_marks.committed_marks import read_committed
from dexwatch.streams.intake.records import Partition
from dexwatch.streams.metrics import WorkerMetrics

__all__ = ["LAG_REPORT_S", "install_consumer_lag", "lag_by_topic"]

log = logging.getLogger(__name__)

LAG_REPORT_S = 10.0  # two broker requests per report
OFFSETS_TIMEOUT_S = 5.0
T = TypeVar("T")


def lag_by_topic(
    topics: Collection[str],
    highwaters: Mapping[Partition, int],
    committed: Mapping[Partition, int | None],
    earliest: Mapping[Partition, int],
) -> dict[str, int]:
    """Per topic of `topics`, the sum over its partitions of `highwaters` (those held) of high
    water minus committed offset; a partition with nothing committed counts from `earliest`
    (where the consumer starts: its log start), or from 0 when that is unknown."""
    lag = dict.fromkeys(topics, 0)
    for where, highwater in highwaters.items():
        if where[0] not in lag:
            continue
        start = committed.get(where)
        start = earliest.get(where, 0) if start is None else start
        lag[where[0]] += max(0, highwater - start)
    return lag


def install_consumer_lag(
    app: faust.App,
    bootstrap_servers: str,
    input_topics: Collection[str],
    incident_inputs: str,
    metrics: WorkerMetrics,
) -> None:
    """A timer setting `dexwatch_consumer_lag_records{topic}` for each input topic and
    `dexwatch_incident_inputs_lag_records`, from the app's group (its id)."""
    topics = [*input_topics, incident_inputs]
    for topic in input_topics:  # every input topic has a value, 0 while none is held
        metrics.consumer_lag.labels(topic=topic)

    async def report_lag() -> None:
        consumer: Any = app.consumer
        held = [tp for tp in consumer.assignment() if tp.topic in topics]
        try:
            highwaters = await _within(consumer.highwaters(*held)) if held else {}
            committed = await read_committed(
                bootstrap_servers,
                app.conf.id,
                [(tp.topic, tp.partition) for tp in held],
                timeout_s=OFFSETS_TIMEOUT_S,
            )
            offsets = {where: found.offset for where, found in committed.items()}
            fresh = [tp for tp in held if offsets.get((tp.topic, tp.partition)) is None]
            earliest = await _within(consumer.earliest_offsets(*fresh)) if fresh else {}
        except (DexwatchError, KafkaError, TimeoutError) as error:  # the broker away: keep
            log.debug("consumer lag not measured: %r", error)  # the last values meanwhile
            return
        lag = lag_by_topic(
            topics,
            {(tp.topic, tp.partition): offset for tp, offset in highwaters.items()},
            offsets,
            {(tp.topic, tp.partition): offset for tp, offset in earliest.items()},
        )
        for topic in input_topics:
            metrics.consumer_lag.labels(topic=topic).set(lag[topic])
        metrics.incident_inputs_lag.set(lag[incident_inputs])

    app.timer(LAG_REPORT_S)(report_lag)


async def _within(request: Awaitable[T]) -> T:
    """A broker request that gives up after `OFFSETS_TIMEOUT_S` (while the broker is away it
    would wait for its return)."""
    return await asyncio.wait_for(request, OFFSETS_TIMEOUT_S)
