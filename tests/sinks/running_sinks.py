"""`run_sinks` on a background thread, in this process: for tests that read its metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Self

from dexwatch.sinks.config import SinksConfig
from dexwatch.sinks.metrics import SinkMetrics
from dexwatch.sinks.runner import run_sinks
from tests.loop_thread import LoopThread

__all__ = ["RunningSinks"]


class RunningSinks:
    """`with RunningSinks(config) as running: ... running.sample("...", sink="ops")`."""

    def __init__(self, config: SinksConfig) -> None:
        self.config = config
        self.metrics = SinkMetrics()
        self._thread = LoopThread("the sinks", self._main)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._thread.stop()

    def sample(self, name: str, **labels: str) -> float:
        """A metric sample's value, 0.0 when it has none."""
        return self.metrics.registry.get_sample_value(name, labels) or 0.0

    async def _main(self, stop: asyncio.Event, started: Callable[[], None]) -> None:
        started()
        await run_sinks(self.config, stop, self.metrics)
