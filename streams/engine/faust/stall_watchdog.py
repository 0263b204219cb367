"""Input partitions faust stopped handing over: records wait, none come; a seek wakes them.

After a rebalance faust-streaming can resume fetching before it seeks back to the committed
offsets (faust-streaming/faust#217) and then drop the re-fetched records as already read. A
later record reveals the hole (`offset_holes.py` here), but when none comes the partition
sits idle with records waiting and nothing logged (faust-streaming/faust#166, #629). The
watchdog notices an input partition whose next expected offset has not moved for `stall_s`
while the broker holds records past it, and the app seeks the consumer there: faust then
hands those records over. A false alarm (an agent busy elsewhere) costs one re-fetch, whose
records the offset tracker drops as re-deliveries.

After a broker restart faust also left some partitions unfetched (4 of 8, until the watchdog,
then at 15 s, sought them 51 s after the broker answered). Now the first check that the broker
answers after checks that failed seeks at once every partition with records waiting, and a
partition idle with records waiting is sought after 8 s: fetching resumes within 15 s of the
broker's return (`bench/broker_restart.py`, docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import faust
from aiokafka.errors import KafkaError

from dexwatch.streams.intake.records import Partition
from dexwatch.streams.metrics import WorkerMetrics

__all__ = ["StallWatchdog", "install_stall_watchdog"]

log = logging.getLogger(__name__)

STALL_CHECK_S = 2.0
# Sought after this long idle with records waiting: within 15 s of a broker's return, checks
# and the seek included. A false alarm (an agent busy elsewhere) costs one re-fetch.
STALL_S = 8.0
# The broker's answers: a request made while the broker is away used to hang for the whole
# outage (75 s seen), and the watchdog with it; the check is skipped and tried again instead.
OFFSETS_TIMEOUT_S = 5.0
OUTAGE_CHECKS = 2  # checks failed in a row: the broker was away (not merely slow once)


@dataclass(slots=True)
class _Watch:
    expected: int
    since: float
    sought_at_highwater: int | None = None  # a seek done: wait for the high water to move


class StallWatchdog:
    def __init__(self, stall_s: float, outage_checks: int = OUTAGE_CHECKS) -> None:
        self.stall_s = stall_s
        self.outage_checks = outage_checks
        self._watches: dict[Partition, _Watch] = {}
        self._failed_checks = 0  # in a row: the broker did not answer

    def check_failed(self) -> None:
        self._failed_checks += 1

    def back_after_outage(
        self, expected: Mapping[Partition, int], highwaters: Mapping[Partition, int], now: float
    ) -> list[tuple[Partition, int]]:
        """A check answered: if the `outage_checks` before it failed (the broker was away),
        every partition with records waiting, to be sought at once: after a broker restart
        faust may not fetch some of them again by itself (4 of 8 seen). Their watches start
        afresh, so one that stays idle is sought again after `stall_s`."""
        away, self._failed_checks = self._failed_checks >= self.outage_checks, 0
        if not away:
            return []
        behind = [
            (where, offset)
            for where, offset in expected.items()
            if highwaters.get(where, offset) > offset
        ]
        self._watches = {where: _Watch(offset, now) for where, offset in behind}
        return behind

    def reset(self) -> None:
        """A rebalance or a table recovery: partitions are paused on purpose; start again."""
        self._watches.clear()

    def stalled(
        self, expected: Mapping[Partition, int], highwaters: Mapping[Partition, int], now: float
    ) -> list[tuple[Partition, int]]:
        """(partition, next expected offset) of the partitions stalled for `stall_s`, given
        the next offset each held partition expects and the broker's high-water marks.
        A partition reported once is reported again only after another `stall_s` and once
        its high water has moved."""
        found: list[tuple[Partition, int]] = []
        watches = self._watches
        for where in list(watches):
            if where not in expected:
                del watches[where]
        for where, offset in expected.items():
            highwater = highwaters.get(where)
            if highwater is None or highwater <= offset:  # caught up
                watches.pop(where, None)
                continue
            watch = watches.get(where)
            if watch is None or watch.expected != offset:  # moving, or newly behind
                watches[where] = _Watch(offset, now)
            elif watch.sought_at_highwater is not None:
                # Sought once and nothing came: what lies there may hold no record (a
                # transaction marker). Watch again from when the partition gets more.
                if watch.sought_at_highwater != highwater:
                    watches[where] = _Watch(offset, now)
            elif now - watch.since >= self.stall_s:
                found.append((where, offset))
                watch.since = now
                watch.sought_at_highwater = highwater
        return found


def install_stall_watchdog(
    app: faust.App,
    input_names: Collection[str],
    expected_offset: Callable[[Partition], int | None],
    metrics: WorkerMetrics,
) -> None:
    """A timer that seeks stalled input partitions (`expected_offset`: the offset tracker's)."""
    watchdog = StallWatchdog(STALL_S)

    async def wake_stalled_partitions() -> None:
        consumer: Any = app.consumer
        if app.rebalancing or app.in_recovery:  # partitions paused on purpose
            watchdog.reset()
            return
        held = {(tp.topic, tp.partition): tp for tp in consumer.assignment()}
        held = {where: tp for where, tp in held.items() if where[0] in input_names}
        if not held:
            return
        try:
            highwaters = await asyncio.wait_for(
                consumer.highwaters(*held.values()), OFFSETS_TIMEOUT_S
            )
            # Where each partition is, read after the high waters: a position read before a
            # slow answer would look stalled against it.
            expected = _expected_offsets(consumer, held, expected_offset)
            unknown = [tp for where, tp in held.items() if where not in expected]
            if unknown:  # nothing handed over or committed yet: faust starts at the earliest
                earliest = await asyncio.wait_for(
                    consumer.earliest_offsets(*unknown), OFFSETS_TIMEOUT_S
                )
                expected |= {(tp.topic, tp.partition): offset for tp, offset in earliest.items()}
        except (KafkaError, TimeoutError) as error:  # the broker away: try at the next check
            log.debug("no offsets for the stall check: %r", error)
            watchdog.check_failed()
            return
        if app.rebalancing or app.in_recovery:  # began while we waited
            watchdog.reset()
            return
        marks = {(tp.topic, tp.partition): offset for tp, offset in highwaters.items()}
        now = time.monotonic()
        back = watchdog.back_after_outage(expected, marks, now)
        if back:
            log.info(
                "the broker answers again: seeking %d input partition(s) with records waiting "
                "to their next offset (after a broker restart faust may not fetch them again)",
                len(back),
            )
        stalled = watchdog.stalled(expected, marks, now)
        for where, offset in stalled:
            log.warning(
                "%s[%d]: %d record(s) wait from offset %d but none came for %.0f s (faust "
                "stopped fetching it); seeking it there",
                *where,
                marks[where] - offset,
                offset,
                STALL_S,
            )
        metrics.partitions_sought_after_outage.inc(len(back))
        metrics.partition_stalls.inc(len(stalled))
        for where, offset in [*back, *stalled]:
            try:
                await consumer.seek(held[where], offset)
            except (KafkaError, AssertionError) as error:  # revoked meanwhile
                log.info("%s[%d] not sought: %r", *where, error)

    app.timer(STALL_CHECK_S)(wake_stalled_partitions)


def _expected_offsets(
    consumer: Any, held: Mapping[Partition, Any], expected_offset: Callable[[Partition], int | None]
) -> dict[Partition, int]:
    """The next offset each held partition expects: the offset tracker's, else what faust
    committed or sought (None for neither)."""
    committed: Any = getattr(consumer, "_committed_offset", {})  # set by faust's seek
    expected = {}
    for where, tp in held.items():
        offset = expected_offset(where)
        offset = committed.get(tp) if offset is None else offset
        if offset is not None:
            expected[where] = offset
    return expected
