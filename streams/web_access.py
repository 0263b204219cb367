"""Who may read the worker's web port: a bearer token on everything but `/metrics` and health.

`/metrics` and `/health` stay open (Prometheus and orchestrators scrape them without secrets;
they name no series, pool or incident). Every other route (the incident page, and any route a
library might add) needs `Authorization: Bearer <token>` when a token is configured, and
whenever the port is bound beyond loopback: without a configured token such a worker answers
401 to everyone there. The token comes from `DEXWATCH_WEB_TOKEN` or the file named by
`DEXWATCH_WEB_TOKEN_FILE`, is held as a `SecretStr` and is never logged.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from pydantic import SecretStr

from dexwatch.schemas.errors import ConfigError
from dexwatch.schemas.secret_file import read_secret_file

__all__ = ["OPEN_PATHS", "WebAccess", "read_token"]

log = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/metrics", "/health"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def read_token(token: SecretStr | None, token_file: Path | None) -> SecretStr | None:
    """The configured token: `token`, else the first line of `token_file` (a mounted secret)."""
    if token is not None:
        return token if token.get_secret_value() else None
    if token_file is None:
        return None
    try:
        return SecretStr(read_secret_file(token_file, "DEXWATCH_WEB_TOKEN_FILE"))
    except ValueError as error:
        raise ConfigError(str(error)) from None


def _is_loopback(bind: str) -> bool:
    if bind == "localhost":
        return True
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


class WebAccess:
    def __init__(self, token: SecretStr | None, bind: str) -> None:
        self._token = token
        self.bind = bind
        self.required = token is not None or not _is_loopback(bind)

    def allows(self, authorization: str | None) -> bool:
        if not self.required:
            return True
        if self._token is None or authorization is None:
            return False
        scheme, _, given = authorization.partition(" ")
        expected = self._token.get_secret_value()
        # Constant time: the comparison must not tell how much of a guess was right.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), expected.encode()
        )

    def warn_if_closed(self) -> None:
        if self.required and self._token is None:
            log.warning(
                "the web port is bound to %s (beyond loopback) and no DEXWATCH_WEB_TOKEN or "
                "DEXWATCH_WEB_TOKEN_FILE is set: only /metrics and /health answer, every other "
                "route answers 401",
                self.bind,
            )

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN_PATHS or self.allows(request.headers.get("Authorization")):
            return await handler(request)
        return web.json_response(
            {"error": "this route needs `Authorization: Bearer <DEXWATCH_WEB_TOKEN>`"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
