"""The console's page in headless Chromium with 100,000 series stored: the time from navigation
to each view drawn (a 10,000-point series chart, the anomaly lists, an incident with its chart,
a series search), as people would wait for it.

    python -m bench.console_page [--series 100000] [--points 4] [--long-points 10000] [--loads 5]

The store is filled as bench.console fills it (`ConsoleStore.apply`, no broker); the console's
app is served on a local port; each view is loaded `--loads` times in a fresh page and the time
from navigation start to the page's "loaded" mark (its data fetched and drawn) is read from
`performance.now()`. Needs Debian's chromium and chromium-driver and `make console-vendor`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import threading
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bench.console import TOKEN, fill, say
from dexwatch.console.api.context import ConsoleContext
from dexwatch.console.app import build_app
from dexwatch.console.backtest_jobs import BacktestJobs
from dexwatch.console.metrics import ConsoleMetrics
from dexwatch.console.settings import ConsoleSettings
from dexwatch.console.store.console_store import ConsoleStore
from dexwatch.console.topics import ConsoleTopics
from tests.console.page_browser import Page, chromium


class ServedConsole:
    """The console's app over `store`, on a loopback port, on a thread of its own."""

    def __init__(self, store: ConsoleStore) -> None:
        self.store = store
        self.port = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> ServedConsole:
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("the console did not start within 60 s")
        return self

    def __exit__(self, *_exc_info: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        context = ConsoleContext(
            settings=ConsoleSettings(token=SecretStr(TOKEN), store_path=self.store.path),
            topics=ConsoleTopics("a", "b", "c", "d", "e", "f", 1),
            store=self.store,
            writer=None,  # type: ignore[arg-type]  # the page is only read here
            metrics=ConsoleMetrics(),
            backtests=BacktestJobs(self.store.path.parent / "backtests", 1, lambda: None),
            caught_up=asyncio.Event(),
        )
        runner = web.AppRunner(build_app(context), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
            context.readers.shutdown()
            context.backtests.close()

    def api(self, path: str, **params: str) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}?{urllib.parse.urlencode(params)}",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())


def load_times(page: Page, path: str, loads: int) -> list[float]:
    """Milliseconds from navigation start to the view drawn, `loads` times."""
    times = []
    for _ in range(loads):
        page.open(path)
        if page.error() is not None:
            raise RuntimeError(f"{path}: {page.error()}")
        times.append(float(page.driver.execute_script("return window.dexwatchLoadedAt")))
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console_page", description=__doc__)
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--points", type=int, default=4, help="points per series")
    parser.add_argument("--long-points", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=5, help="loads of each view")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="dexwatch-bench-console-page-"))
    try:
        store = ConsoleStore(root / "console.sqlite3")
        long_series = fill(store, args)
        with ServedConsole(store) as console, chromium() as driver:
            page = Page(driver, f"http://127.0.0.1:{console.port}")
            page.open("/")
            driver.execute_script(f"sessionStorage.setItem('dexwatch-console-token', '{TOKEN}')")
            [incident] = console.api("/api/v1/incidents", limit="1")["items"]
            quoted = urllib.parse.quote(long_series)
            views = {
                f"series chart, {args.long_points:,} points": (
                    f"/?view=series&dataset=pools&series={quoted}"
                ),
                "anomaly list, newest 100 (and the datasets)": "/?view=anomalies&min_severity=0",
                "anomaly list, chain=base, min severity 90": (
                    "/?view=anomalies&dataset=pools&dim=chain%3Dbase&min_severity=90"
                ),
                "incident page with its series chart": f"/incidents/{incident['incident_id']}",
                "series search by key prefix": (
                    "/?view=series&dataset=pools&prefix=chain%3Dbase%2Cpool%3D0x00"
                ),
            }
            say(f"page views, {args.series:,} series stored, {args.loads} loads each:")
            for name, path in views.items():
                times = load_times(page, path, args.loads)
                if name.startswith("series chart"):
                    drawn = page.chart("#series-chart")["points"]
                    assert drawn == str(args.long_points), f"the chart drew {drawn} points"
                say(
                    f"  {name}: median {statistics.median(times):,.0f} ms, "
                    f"max {max(times):,.0f} ms (navigation start to drawn)"
                )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
