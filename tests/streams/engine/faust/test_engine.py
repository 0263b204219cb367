"""The faust engine runs each rebalance's steps in the order they were given, on one receiver."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.structs import TopicPartition

from dexwatch.streams.engine.base import Engine
from dexwatch.streams.engine.faust.engine import FaustEngine
from dexwatch.streams.engine.faust.worker_app import WorkerApp
from dexwatch.streams.intake.records import Partition


def _engine(name: str) -> tuple[FaustEngine, Any]:
    app = WorkerApp(name, autodiscover=False)
    engine = FaustEngine(app, ["anomalies"])
    seam: Engine = engine  # mypy checks the implementation against the seam
    assert seam is engine
    return engine, app


def test_revoked_steps_run_in_the_order_given_with_topic_partitions() -> None:
    engine, app = _engine("engine-order-test")
    calls: list[tuple[str, set[Partition]]] = []

    def step(name: str) -> Any:
        async def run(partitions: set[Partition]) -> None:
            await asyncio.sleep(0)  # a step that yields still finishes before the next starts
            calls.append((name, set(partitions)))
            partitions.clear()  # and cannot change what the next one gets

        return run

    # Registered out of their numbering across two calls: the order given is the order run.
    engine.on_revoked(step("1 flush snapshots"), step("2 forget offsets"))
    engine.on_revoked(step("3 incidents"))
    revoked = {TopicPartition("metrics", 0), TopicPartition("metrics", 3)}
    asyncio.run(app.on_partitions_revoked.send(revoked))
    assert calls == [
        ("1 flush snapshots", {("metrics", 0), ("metrics", 3)}),
        ("2 forget offsets", {("metrics", 0), ("metrics", 3)}),
        ("3 incidents", {("metrics", 0), ("metrics", 3)}),
    ]


def test_assigned_steps_are_not_run_on_revocation() -> None:
    engine, app = _engine("engine-assigned-test")
    seen: list[set[Partition]] = []

    async def assigned(partitions: set[Partition]) -> None:
        seen.append(partitions)

    engine.on_assigned(assigned)
    asyncio.run(app.on_partitions_revoked.send({TopicPartition("metrics", 1)}))
    assert seen == []
    asyncio.run(app.on_partitions_assigned.send({TopicPartition("metrics", 1)}))
    assert seen == [{("metrics", 1)}]
