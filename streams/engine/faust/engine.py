"""The `Engine` (`streams/engine/base.py`) over a faust app: agents, signals, topics, tables.

faust's rebalance signals keep their receivers in a set (mode's `Signal`), so receivers
connected one by one run in no stated order; here each signal has one receiver, which runs
the steps in the order they were given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

import faust

from dexwatch.streams.engine.base import BatchHandler, RebalanceStep, Route, Timer
from dexwatch.streams.engine.faust.batch_intake import BatchIntake, IntakeLoop
from dexwatch.streams.engine.faust.snapshot_table import FaustSnapshotTable
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord, Partition

__all__ = ["FaustEngine"]


class FaustEngine:
    """Declare everything before the app starts (faust's rule for agents, tables, timers)."""

    def __init__(
        self, app: faust.App, output_topics: Sequence[str], *, batch_intake: bool = False
    ) -> None:
        """`batch_intake`: `consume` hands each fetch's records over as a batch
        (`batch_intake.py`) instead of through an agent's per-record stream."""
        self.app = app
        self._batch_intake = batch_intake
        self._outputs = {
            name: app.topic(name, key_type=bytes, value_type=bytes) for name in output_topics
        }
        self._assigned: list[RebalanceStep] = []
        self._revoked: list[RebalanceStep] = []
        revocations: Any = app.on_partitions_revoked  # its types reject async receivers
        revocations.connect(self._run_revoked)
        assignments: Any = app.on_partitions_assigned
        assignments.connect(self._run_assigned)

    def consume(
        self,
        topics: Sequence[str],
        handle: BatchHandler,
        *,
        name: str,
        max_records: int,
        within_s: float,
    ) -> None:
        source = self.app.topic(*topics, key_type=bytes, value_type=bytes)
        if self._batch_intake:
            intake = BatchIntake(self.app, topics)
            intake.install()
            self.app.topics.add(source)  # subscribed, though no agent reads its channel
            add_service: Any = self.app.service  # typed for a class; takes an instance too
            add_service(IntakeLoop(intake, handle))
            return

        async def agent(stream: Any) -> None:
            # concurrency stays 1: with more, faust can commit past an unfinished message.
            async for events in stream.take_events(max_records, within=within_s):
                await handle(
                    [
                        ConsumedRecord(
                            topic=event.message.topic,
                            partition=event.message.partition,
                            offset=event.message.offset,
                            key=event.message.key,
                            # a tombstone's None: dead-lettered `empty`
                            value=event.message.value or b"",
                        )
                        for event in events
                    ]
                )

        self.app.agent(source, name=name)(agent)

    def on_assigned(self, *steps: RebalanceStep) -> None:
        self._assigned.extend(steps)

    def on_revoked(self, *steps: RebalanceStep) -> None:
        self._revoked.extend(steps)

    async def send(self, output: OutputRecord) -> Awaitable[Any]:
        headers = list(output.headers) or None
        topic = self._outputs[output.topic]
        done: Awaitable[Any] = await topic.send(key=output.key, value=output.value, headers=headers)
        return done

    def store(
        self, name: str, *, source_topic: str, partitions: int, history: int
    ) -> FaustSnapshotTable:
        return FaustSnapshotTable(
            self.app, name, source_topic=source_topic, partitions=partitions, history=history
        )

    def timer(self, interval_s: float, callback: Timer) -> None:
        self.app.timer(interval_s)(callback)

    def route(self, path: str, page: Route) -> None:
        async def view(web: Any, request: Any, **parameters: str) -> Any:
            response = await page(parameters)
            # As a header: aiohttp refuses a charset inside its `content_type` argument.
            headers = {"Content-Type": response.content_type, **response.headers}
            return web.bytes(response.body, status=response.status, headers=headers)

        self.app.page(path)(view)

    async def _run_assigned(self, _sender: Any, assigned: set[Any], **_kwargs: Any) -> None:
        await _run(self._assigned, assigned)

    async def _run_revoked(self, _sender: Any, revoked: set[Any], **_kwargs: Any) -> None:
        await _run(self._revoked, revoked)


async def _run(steps: Sequence[RebalanceStep], tps: set[Any]) -> None:
    partitions: set[Partition] = {(tp.topic, tp.partition) for tp in tps}
    for step in steps:
        await step(set(partitions))  # a copy each: a step must not change the next one's
