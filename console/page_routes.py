"""The page's routes: its shell (`index.html`) at `/` and at `/incidents/<id>` (where the
worker's incident links lead, `DEXWATCH_PUBLIC_URL`), its files under `/static/`. The shell holds
no data and loads without a token (console.api.access); the page sends the token with each API
call. Served only when `console/static/index.html` is present."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

__all__ = ["PAGE_PATHS", "STATIC_DIR", "add_page_routes"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Paths the shell answers, for the access check: `/` and these prefixes.
PAGE_PATHS = ("/static/", "/incidents/")


def add_page_routes(app: web.Application, static_dir: Path = STATIC_DIR) -> None:
    index = static_dir / "index.html"
    if not index.is_file():
        return

    async def page(_request: web.Request) -> web.FileResponse:
        # Not cached: a new release's page must not run against an old shell.
        return web.FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.router.add_get("/", page)
    app.router.add_get("/incidents/{incident_id}", page)
    app.router.add_static("/static/", static_dir)
