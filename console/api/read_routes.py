"""The read routes: anomalies, incidents, one incident, series and their points, model
actions, datasets. Every query runs in a reader thread; stored JSON is served as it is."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from aiohttp import web

from dexwatch.console.api.context import CONTEXT, json_response, list_response
from dexwatch.console.api.documents import (
    AnomalyList,
    DatasetList,
    IncidentList,
    IncidentView,
    ModelActionList,
    SeriesList,
    SeriesPoints,
)
from dexwatch.console.api.params import integer, list_window, prefixed, time_ms
from dexwatch.console.api.route_table import ApiRoute, Param
from dexwatch.console.errors import BadParameter, NotFound
from dexwatch.console.store import queries
from dexwatch.schemas.anomaly_event import ANOMALY_KINDS
from dexwatch.schemas.incident import INCIDENT_STATUSES

__all__ = ["READ_ROUTES"]

MAX_POINTS = 10_000
_WINDOW = (
    Param("dataset", "Only this dataset."),
    Param("since", "From this time on (ISO 8601, or Unix seconds)."),
    Param("until", "Before this time (ISO 8601, or Unix seconds)."),
    Param("limit", "Items per page (1..1000, default 100).", "integer"),
    Param("cursor", "`next_cursor` of the previous page."),
)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


async def anomalies(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    query = request.query
    window = list_window(query)
    kind = query.get("kind")
    if kind is not None and kind not in ANOMALY_KINDS:
        raise BadParameter("kind", f"expected one of {', '.join(ANOMALY_KINDS)}")
    found = queries.AnomalyFilter(
        series=query.get("series"),
        dimensions=prefixed(query, "dim."),
        min_severity=integer(query, "min_severity", 0, 0, 100),
        kind=kind,
    )
    page = await ctx.read(lambda: queries.anomaly_page(ctx.store.reader(), window, found))
    return list_response(page.items, page.next_cursor)


async def incidents(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    query = request.query
    window = list_window(query)
    statuses = tuple(s for s in query.get("status", "").split(",") if s)
    unknown = [s for s in statuses if s not in INCIDENT_STATUSES]
    if unknown:
        raise BadParameter("status", f"expected some of {', '.join(INCIDENT_STATUSES)}")
    found = queries.IncidentFilter(
        statuses=statuses,
        group=prefixed(query, "group."),
        min_severity=integer(query, "min_severity", 0, 0, 100),
    )
    page = await ctx.read(lambda: queries.incident_page(ctx.store.reader(), window, found))
    return list_response(page.items, page.next_cursor)


async def incident(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    incident_id = request.match_info["incident_id"]
    detail = await ctx.read(lambda: queries.incident_detail(ctx.store.reader(), incident_id))
    if detail is None:
        raise NotFound(f"no incident {incident_id[:100]} in the store")
    body = b'{"incident":%s,"versions":[%s],"control":%s,"feedback":[%s]}' % (
        detail.versions[-1].encode(),
        ",".join(detail.versions).encode(),
        (detail.control or "null").encode(),
        ",".join(detail.feedback).encode(),
    )
    return json_response(body)


async def model_actions(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    window = list_window(request.query)
    series = request.query.get("series")
    page = await ctx.read(lambda: queries.model_action_page(ctx.store.reader(), window, series))
    return list_response(page.items, page.next_cursor)


def _required(request: web.Request, name: str) -> str:
    value = request.query.get(name)
    if not value:
        raise BadParameter(name, "required")
    return value


async def series_list(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    dataset = _required(request, "dataset")
    prefix = request.query.get("prefix")
    limit = integer(request.query, "limit", 100, 1, 1000)
    after = request.query.get("cursor")
    rows, cursor = await ctx.read(
        lambda: queries.series_page(ctx.store.reader(), dataset, prefix, limit, after)
    )
    items = [orjson.dumps({"series": s, "last": _iso(t)}).decode() for s, t in rows]
    return list_response(items, cursor, dataset=dataset)


async def series_points(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    dataset = _required(request, "dataset")
    series = _required(request, "series")
    since, until = time_ms(request.query, "since"), time_ms(request.query, "until")
    limit = integer(request.query, "limit", 1000, 1, MAX_POINTS)
    rows = await ctx.read(
        lambda: queries.series_points(ctx.store.reader(), dataset, series, since, until, limit)
    )
    head = orjson.dumps({"dataset": dataset, "series": series})[:-1]
    return json_response(head + b',"points":[' + ",".join(rows).encode() + b"]}")


async def datasets(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    rows = await ctx.read(lambda: queries.datasets(ctx.store.reader()))
    items = [
        {
            "dataset": name,
            "series": series,
            "anomalies": anomalies,
            "open_incidents": open_incidents,
            "newest": _iso(newest),
        }
        for name, series, anomalies, open_incidents, newest in rows
    ]
    return json_response(orjson.dumps({"items": items}))


READ_ROUTES = (
    ApiRoute("GET", "/api/v1/datasets", datasets, "The datasets in the store.", DatasetList),
    ApiRoute(
        "GET",
        "/api/v1/anomalies",
        anomalies,
        "Anomalies, newest first, filtered.",
        AnomalyList,
        (
            *_WINDOW,
            Param("series", "Only this series (its key)."),
            Param("dim.<name>", "Only anomalies whose dimension <name> has this value."),
            Param("min_severity", "0..100.", "integer"),
            Param("kind", "`anomaly` or `no_data`."),
        ),
    ),
    ApiRoute(
        "GET",
        "/api/v1/incidents",
        incidents,
        "Incidents (each its latest version), newest first, filtered.",
        IncidentList,
        (
            *_WINDOW,
            Param("status", "Comma-separated: open, updated, resolved."),
            Param("group.<name>", "Only incidents whose group has <name> equal to this."),
            Param("min_severity", "0..100.", "integer"),
        ),
    ),
    ApiRoute(
        "GET",
        "/api/v1/incidents/{incident_id}",
        incident,
        "One incident with all its versions, its controls and the feedback on it.",
        IncidentView,
        (Param("incident_id", "The incident's id.", required=True, where="path"),),
    ),
    ApiRoute(
        "GET",
        "/api/v1/series",
        series_list,
        "A dataset's series, in key order.",
        SeriesList,
        (
            Param("dataset", "The dataset.", required=True),
            Param("prefix", "Only series keys that start with this."),
            Param("limit", "Items per page (1..1000, default 100).", "integer"),
            Param("cursor", "`next_cursor` of the previous page."),
        ),
    ),
    ApiRoute(
        "GET",
        "/api/v1/series/points",
        series_points,
        "A series' latest points in a range, each with its values, band and score.",
        SeriesPoints,
        (
            Param("dataset", "The dataset.", required=True),
            Param("series", "The series key.", required=True),
            Param("since", "From this time on (ISO 8601, or Unix seconds)."),
            Param("until", "Before this time (ISO 8601, or Unix seconds)."),
            Param("limit", "Points (1..10000, default 1000): the latest of the range.", "integer"),
        ),
    ),
    ApiRoute(
        "GET",
        "/api/v1/model-actions",
        model_actions,
        "Drift decisions on series' models, newest first.",
        ModelActionList,
        (*_WINDOW, Param("series", "Only this series (its key).")),
    ),
)
