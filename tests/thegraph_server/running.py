"""Running the test server on a background thread, for tests: real HTTP on a free port."""

from __future__ import annotations

import asyncio
import threading
from typing import Self

from aiohttp import web

from tests.thegraph_server.app import TheGraphTestServer

__all__ = ["RunningServer"]


class RunningServer:
    """`with RunningServer(server) as running: running.url(subgraph_id)`."""

    def __init__(self, server: TheGraphTestServer, *, host: str = "127.0.0.1", port: int = 0):
        self.server = server
        self.host = host
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(
            target=self._serve, name="thegraph-test-server", daemon=True
        )

    def url(self, subgraph_id: str, *, key: str | None = None) -> str:
        """The gateway-shaped URL of one subgraph (with the key in the path if given)."""
        prefix = f"/api/{key}" if key is not None else ""
        return f"http://{self.host}:{self.port}{prefix}/subgraphs/id/{subgraph_id}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.host}:{self.port}/admin"

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(timeout=30) or self._failure is not None:
            raise RuntimeError(f"the test server did not start: {self._failure}")
        return self

    def __exit__(self, *_exc_info: object) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout=30)

    def _serve(self) -> None:
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as error:  # reported to the starting thread
            self._failure = error
            self._ready.set()
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        runner = web.AppRunner(self.server.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
