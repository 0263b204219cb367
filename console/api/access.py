"""Who may call the console: a bearer token on every route but `/healthz` and `/metrics`.

Reads take the read token (or the write token, which grants more); anything but GET takes the
write token. Missing or malformed: 401; a token that is not this console's, or a read token on
a write route: 403. Tokens are compared in constant time, held as `SecretStr`, never logged or
echoed. The page's shell (`/`, `/static/...`) holds no data and loads without a token: the
page then sends the token with each API call.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import SecretStr

from dexwatch.console.page_routes import PAGE_PATHS

__all__ = ["OPEN_PATHS", "access_middleware", "error_response"]

OPEN_PATHS = frozenset({"/healthz", "/metrics"})
PAGE_PREFIXES = PAGE_PATHS  # the page's shell and files: no data in them

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(
    status: int, error: str, detail: str, parameter: str | None = None
) -> web.Response:
    body = {"error": error, "detail": detail} | ({"parameter": parameter} if parameter else {})
    headers = {"WWW-Authenticate": 'Bearer realm="dexwatch-console"'} if status == 401 else None
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json", headers=headers
    )


def _same(given: str, token: SecretStr | None) -> bool:
    return token is not None and hmac.compare_digest(
        given.encode(), token.get_secret_value().encode()
    )


def access_middleware(read_token: SecretStr, write_token: SecretStr | None) -> Middleware:
    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path in OPEN_PATHS or (
            request.method in ("GET", "HEAD") and (path == "/" or path.startswith(PAGE_PREFIXES))
        ):
            return await handler(request)
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        given = given.strip()
        if scheme.lower() != "bearer" or not given:
            return error_response(
                401,
                "unauthorized",
                "send the console's token as `Authorization: Bearer <token>` "
                "(DEXWATCH_CONSOLE__TOKEN; docs/console.md)",
            )
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        if _same(given, write_token):
            return await handler(request)
        if not _same(given, read_token):
            return error_response(403, "forbidden", "this token is not valid for this console")
        if writes:
            detail = (
                "this route changes something and needs the write token "
                "(DEXWATCH_CONSOLE__WRITE_TOKEN)"
                if write_token is not None
                else "this console takes no writes: no DEXWATCH_CONSOLE__WRITE_TOKEN is set"
            )
            return error_response(403, "forbidden", detail)
        return await handler(request)

    return check
