"""The console's aiohttp application: the API routes, /healthz, /metrics, the OpenAPI
document, and the page (`console/static`, when present), behind the access check."""

from __future__ import annotations

import logging
import time
import uuid

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dexwatch.console.api.access import access_middleware, error_response
from dexwatch.console.api.backtest_routes import BACKTEST_ROUTES
from dexwatch.console.api.context import CONTEXT, ConsoleContext, json_response
from dexwatch.console.api.documents import Health
from dexwatch.console.api.openapi import openapi_document
from dexwatch.console.api.read_routes import READ_ROUTES
from dexwatch.console.api.route_table import ApiRoute
from dexwatch.console.api.write_routes import WRITE_ROUTES, install
from dexwatch.console.backtest_jobs import TooManyJobs
from dexwatch.console.errors import BadParameter, NotFound
from dexwatch.console.page_routes import STATIC_DIR, add_page_routes

__all__ = ["API_ROUTES", "STATIC_DIR", "build_app"]

log = logging.getLogger(__name__)

_OPENAPI = web.AppKey("openapi", bytes)


async def healthz(request: web.Request) -> web.Response:
    caught_up = request.app[CONTEXT].caught_up.is_set()
    return json_response(Health(status="ok", caught_up=caught_up).model_dump_json().encode())


async def metrics(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    for state, count in ctx.backtests.states().items():
        ctx.metrics.backtest_jobs.labels(state=state).set(count)
    body = generate_latest(ctx.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(request: web.Request) -> web.Response:
    return json_response(request.app[_OPENAPI])


SERVICE_ROUTES = (
    ApiRoute(
        "GET",
        "/healthz",
        healthz,
        "Alive; and caught up with the topics?",
        Health,
        public=True,
        tag="service",
    ),
    ApiRoute(
        "GET",
        "/metrics",
        metrics,
        "Prometheus metrics.",
        None,
        public=True,
        tag="service",
        response_media="text/plain",
    ),
    ApiRoute("GET", "/api/v1/openapi.json", openapi, "This document.", None, tag="service"),
)
API_ROUTES = (*SERVICE_ROUTES, *READ_ROUTES, *WRITE_ROUTES, *BACKTEST_ROUTES)


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Errors as JSON, a request id on every answer, the latency histogram by route."""
    started = time.perf_counter()
    request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    try:
        response = await handler(request)
    except BadParameter as error:
        response = error_response(400, "bad_parameter", str(error), error.parameter)
    except NotFound as error:
        response = error_response(404, "not_found", str(error))
    except TooManyJobs as error:
        response = error_response(429, "too_many_jobs", str(error))
    except web.HTTPException as error:
        if error.status < 400:
            raise
        response = error_response(
            error.status, error.reason.lower().replace(" ", "_"), error.text or error.reason
        )
    response.headers["X-Request-Id"] = request_id
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    request.app[CONTEXT].metrics.request_seconds.labels(
        route=route, method=request.method, status=str(response.status)
    ).observe(time.perf_counter() - started)
    return response


def build_app(ctx: ConsoleContext) -> web.Application:
    settings = ctx.settings
    assert settings.token is not None  # the settings refuse to load without one
    app = web.Application(
        middlewares=[observe, access_middleware(settings.token, settings.write_token)],
        client_max_size=settings.backtest_max_bytes + 1024,
    )
    app[CONTEXT] = ctx
    app[_OPENAPI] = orjson.dumps(openapi_document(API_ROUTES, settings.public_url))
    install(app)
    for route in API_ROUTES:
        app.router.add_route(route.method, route.path, route.handler)
    add_page_routes(app)
    return app
