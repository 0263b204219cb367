"""Backtest jobs over HTTP: POST a CSV (the body), get a job id; GET its state and results."""

from __future__ import annotations

import re

from aiohttp import web

from dexwatch.console.api.context import CONTEXT, json_response
from dexwatch.console.api.documents import BacktestJob, BacktestJobList, TopicBacktestRequest
from dexwatch.console.api.request_bodies import read_body
from dexwatch.console.api.route_table import ApiRoute, Param
from dexwatch.console.backtest_jobs import BacktestRequest
from dexwatch.console.errors import BadParameter, NotFound
from dexwatch.console.topic_backtest import TopicRange
from dexwatch.detectors.series_settings import SeriesModelSettings

__all__ = ["BACKTEST_ROUTES"]

_COLUMN = re.compile(r"^[^,\s][^,]{0,127}$")


def _columns(request: web.Request, name: str) -> tuple[str, ...]:
    text = request.query.get(name, "")
    columns = tuple(part.strip() for part in text.split(",") if part.strip())
    for column in columns:
        if not _COLUMN.match(column):
            raise BadParameter(name, f"not a column name: {column[:40]!r}")
    return columns


async def submit(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    dataset = request.query.get("dataset")
    settings = SeriesModelSettings()
    if dataset is not None:
        if dataset not in ctx.dataset_settings:
            known = ", ".join(sorted(ctx.dataset_settings)) or "none configured"
            raise BadParameter("dataset", f"no dataset {dataset[:60]!r} (known: {known})")
        settings = ctx.dataset_settings[dataset]
    limit = ctx.settings.backtest_max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise BadParameter("body", f"over {limit} bytes (DEXWATCH_CONSOLE__BACKTEST_MAX_BYTES)")
    data = await request.content.read(limit + 1)
    if len(data) > limit:
        raise BadParameter("body", f"over {limit} bytes (DEXWATCH_CONSOLE__BACKTEST_MAX_BYTES)")
    if not data.strip():
        raise BadParameter("body", "empty: send the CSV file as the request body")
    asked = BacktestRequest(
        dataset=dataset,
        settings=settings,
        time_column=request.query.get("time_column", "timestamp"),
        measures=_columns(request, "measures"),
        dimensions=_columns(request, "dimensions"),
    )
    job = ctx.backtests.submit(asked, data)
    return json_response(job.model_dump_json().encode(), 202)


async def submit_topic(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    asked = await read_body(request, TopicBacktestRequest)
    if ctx.topic_backtest is None:
        raise BadParameter("topic", "this console runs no topic backtests")
    if asked.from_offset is not None and asked.from_time is not None:
        raise BadParameter("from_time", "give from_offset or from_time, not both")
    if (
        asked.dataset is not None
        and ctx.dataset_settings
        and asked.dataset not in ctx.dataset_settings
    ):
        known = ", ".join(sorted(ctx.dataset_settings))
        raise BadParameter("dataset", f"no dataset {asked.dataset[:60]!r} (known: {known})")
    job = ctx.backtests.submit_topic(
        ctx.topic_backtest,
        TopicRange(asked.topic, asked.from_offset, asked.from_time, asked.dataset),
    )
    return json_response(job.model_dump_json().encode(), 202)


async def status(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    job = ctx.backtests.get(request.match_info["job_id"])
    if job is None:
        raise NotFound("no such backtest job (jobs are kept in memory: 100, until a restart)")
    return json_response(job.model_dump_json().encode())


async def listed(request: web.Request) -> web.Response:
    jobs = BacktestJobList(items=request.app[CONTEXT].backtests.listed())
    return json_response(jobs.model_dump_json().encode())


BACKTEST_ROUTES = (
    ApiRoute(
        "POST",
        "/api/v1/backtests",
        submit,
        "Start a backtest of a CSV file (the request body) with a dataset's detector settings.",
        BacktestJob,
        (
            Param("dataset", "Use this dataset's detector settings (default: the defaults)."),
            Param("time_column", "The column of each row's time (default: timestamp)."),
            Param("measures", "Comma-separated measure columns (default: all the others)."),
            Param("dimensions", "Comma-separated columns naming the series."),
        ),
        body=None,
        body_media="text/csv",
        status=202,
        write=True,
        tag="backtest",
    ),
    ApiRoute(
        "POST",
        "/api/v1/backtests/topic",
        submit_topic,
        "Start a backtest of a topic's range through the worker's own datasets "
        "(`dexwatch backtest --topic`).",
        BacktestJob,
        body=TopicBacktestRequest,
        status=202,
        write=True,
        tag="backtest",
    ),
    ApiRoute("GET", "/api/v1/backtests", listed, "Backtest jobs.", BacktestJobList, tag="backtest"),
    ApiRoute(
        "GET",
        "/api/v1/backtests/{job_id}",
        status,
        "A backtest job's state and, once done, its results.",
        BacktestJob,
        (Param("job_id", "The id POST gave.", required=True, where="path"),),
        tag="backtest",
    ),
)
