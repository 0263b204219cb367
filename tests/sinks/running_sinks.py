"""`run_sinks` on a background thread, in this process: for tests that read its metrics."""

from __future__ import annotations

import asyncio
import threading
from typing import Self

from sinks.config import SinksConfig
from sinks.metrics import SinkMetrics
from sinks.runner import run_sinks

__all__ = ["RunningSinks"]


class RunningSinks:
    """`with RunningSinks(config) as running: ... running.sample("...", sink="ops")`."""

    def __init__(self, config: SinksConfig) -> None:
        self.config = config
        self.metrics = SinkMetrics()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sinks", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), "the sinks did not stop within 60 s"
        if self._failure is not None:
            raise AssertionError(f"the sinks failed: {self._failure!r}") from self._failure

    def sample(self, name: str, **labels: str) -> float:
        """A metric sample's value, 0.0 when it has none."""
        return self.metrics.registry.get_sample_value(name, labels) or 0.0

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as error:  # reported by stop()
            self._failure = error
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        await run_sinks(self.config, self._stop, self.metrics)
