"""The Graph connector tests: the local GraphQL server on a thread, a fake clock, a memory sink.

The server's head is set 30 hours into its 48 hours of data, so tests can move it forward.
Nothing patches the HTTP client: every request goes over real HTTP to the server.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from dexwatch.connectors.thegraph import TheGraphConnector, TheGraphMetrics, TheGraphSettings
from dexwatch.connectors.thegraph.connector import CycleReport
from dexwatch.connectors.thegraph.settings import load_settings
from tests.thegraph_server import RunningServer, ServerControl, TheGraphTestServer

__all__ = ["V2_ID", "V3_ID", "FakeClock", "Harness", "MemorySink"]

START = 1767571200  # 2026-01-05T00:00:00Z
HEAD = START + 30 * 3600 + 600  # 10 minutes into hour 30
V3_ID = "5zvR82QoaXYFyDEKLZ9t6v9adgnptxYpKpSbxtgVENFV"
V2_ID = "A3Np3RQbaBA6oKJgiwDJeo5T3zrYfGHPWFYayMwtNDum"


class FakeClock:
    """Time that moves only when slept on or set; every sleep is recorded."""

    def __init__(self, now: float) -> None:
        self.current = now
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += max(0.0, seconds)


class MemorySink:
    """Records what would go to Kafka: (kind, topic, key, record)."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str, bytes, BaseModel]] = []
        self.flushes = 0

    def send(self, kind: str, topic: str, key: bytes, record: BaseModel) -> None:
        self.records.append((kind, topic, key, record))

    def flush(self) -> None:
        self.flushes += 1

    def of(self, kind: str) -> list[Any]:
        return [record for record_kind, _topic, _key, record in self.records if record_kind == kind]


class Harness:
    """A server, and connectors against it that share one checkpoint file and sink."""

    def __init__(self, server: TheGraphTestServer, running: RunningServer, tmp_path: Path):
        self.server = server
        self.control: ServerControl = server.ctl
        self.running = running
        self.checkpoint = tmp_path / "checkpoint.json"
        self.sink = MemorySink()
        self.metrics = TheGraphMetrics()
        self.clock = FakeClock(HEAD)

    def settings(self, subgraph: str = V3_ID, **overrides: Any) -> TheGraphSettings:
        values: dict[str, Any] = {
            "endpoint": self.running.url(subgraph),
            "top_pools": 36,
            "checkpoint_path": self.checkpoint,
            "backfill_hours": 6,
            "transactions_backfill_s": 1800,
            "retry": {"base_delay_s": 0.5, "max_delay_s": 4, "slow_base_delay_s": 5},
        }
        if "pools" in overrides:
            values.pop("top_pools")
        if subgraph == V2_ID:
            values |= {"dex": "uniswap-v2", "schema_version": "v2"}
        return load_settings(**(values | overrides))

    def connector(self, settings: TheGraphSettings | None = None) -> TheGraphConnector:
        return TheGraphConnector(
            settings or self.settings(),
            sink=self.sink,
            metrics=self.metrics,
            clock=self.clock,
            rng=random.Random(7),
        )

    def poll(self, settings: TheGraphSettings | None = None, cycles: int = 1) -> list[CycleReport]:
        """`cycles` polls by one connector (one process lifetime); the server's head is moved
        forward by 5 minutes between them."""

        async def run() -> list[CycleReport]:
            reports = []
            async with self.connector(settings) as connector:
                for cycle in range(cycles):
                    if cycle:
                        self.advance(300)
                    reports.append(await connector.poll_once())
            return reports

        return asyncio.run(run())

    def advance(self, seconds: float) -> None:
        """Move the indexer's head and our clock forward together."""
        assert self.control.now is not None
        self.control.now += seconds
        self.clock.current += seconds

    def transaction_ids(self, subgraph: str, since: int, until: int) -> set[str]:
        """Ids of the server's swaps, mints and burns with since < timestamp <= until."""
        view = self.server.view(subgraph)
        block = view.dataset.block_at(until)
        return {
            row["id"]
            for entity in ("Swap", "Mint", "Burn")
            for row in view.collection(entity, block)
            if since < int(row["timestamp"]) <= until
        }

    def metric(self, name: str, **labels: str) -> float:
        value = self.metrics.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value


@pytest.fixture
def server() -> TheGraphTestServer:
    return TheGraphTestServer(start=START, hours=48, control=ServerControl(now=float(HEAD)))


@pytest.fixture
def running(server: TheGraphTestServer) -> Iterator[RunningServer]:
    with RunningServer(server) as running:
        yield running


@pytest.fixture
def harness(server: TheGraphTestServer, running: RunningServer, tmp_path: Path) -> Harness:
    return Harness(server, running, tmp_path)
