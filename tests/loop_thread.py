"""An async service run on a background thread of the test process, stopped on demand; its
failure is raised in the test when it stops."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

__all__ = ["LoopThread"]


class LoopThread:
    """`main(stop, started)`: runs until `stop` is set; calls `started()` once it serves."""

    def __init__(
        self, name: str, main: Callable[[asyncio.Event, Callable[[], None]], Awaitable[None]]
    ) -> None:
        self.name = name
        self._main = main
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self, wait_s: float | None = None) -> None:
        """Start; with `wait_s`, wait that long for `started()` (or a failure)."""
        self._thread.start()
        if wait_s is not None:
            assert self._started.wait(wait_s), f"{self.name} did not start within {wait_s:.0f} s"
            self._raise_failure()

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), f"{self.name} did not stop within 60 s"
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise AssertionError(f"{self.name} failed: {self._failure!r}") from self._failure

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._run_main())
        except BaseException as error:  # reported by stop()
            self._failure = error
        finally:
            self._started.set()
            self._loop.close()

    async def _run_main(self) -> None:
        self._stop = asyncio.Event()
        await self._main(self._stop, self._started.set)
