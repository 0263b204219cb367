"""An aiohttp application served on a background thread: real HTTP on a loopback port.

It can be stopped and started again on the same port (a receiver that goes down and comes
back); what the application records lives outside the thread, so it survives the restarts.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Self

from aiohttp import web

__all__ = ["ServerThread"]


class ServerThread:
    """`with ServerThread(make_app) as server: server.url("/path")`."""

    def __init__(
        self, make_app: Callable[[], web.Application], *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._make_app = make_app
        self.host = host
        self.port = port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Serve (again): on the same port as before, once it has one."""
        if self._thread is not None:
            raise RuntimeError("already serving")
        self._ready.clear()
        self._failure = None
        self._thread = threading.Thread(target=self._serve, name="test-http-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=30) or self._failure is not None:
            self._thread.join(timeout=5)
            self._thread = None
            raise RuntimeError(f"the test server did not start: {self._failure!r}")

    def stop(self) -> None:
        """Close the listening socket and every open connection."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None:
            loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.stop()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as error:  # reported to the starting thread
            self._failure = error
            self._ready.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        runner = web.AppRunner(self._make_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
            await site.start()
            self.port = int(runner.addresses[0][1])
            self._ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()
