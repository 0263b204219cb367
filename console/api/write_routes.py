"""The write routes: feedback (to the feedback topic, as `dexwatch feedback` sends it),
acknowledge and snooze (to the compacted incident-controls topic, which the sinks read).

Each answers once the broker has the record; the store shows it when the console reads it
back from the topic, as every other console does.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

from dexwatch.console.api.context import CONTEXT, ConsoleContext, json_response
from dexwatch.console.api.documents import (
    AcknowledgeRequest,
    ControlState,
    FeedbackAccepted,
    FeedbackRequest,
    SnoozeRequest,
)
from dexwatch.console.api.params import duration_s
from dexwatch.console.api.request_bodies import read_body
from dexwatch.console.api.route_table import ApiRoute, Param
from dexwatch.console.errors import NotFound
from dexwatch.console.store import queries
from dexwatch.schemas.codec import encode
from dexwatch.schemas.feedback import feedback_on
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.incident_control import IncidentControl

__all__ = ["WRITE_ROUTES", "install"]

ModelT = TypeVar("ModelT", bound=BaseModel)
MAX_SNOOZE_S = 30 * 86_400
_ID = Param("incident_id", "The incident's id.", required=True, where="path")
# The controls this console wrote last, by incident: a second change made before the first is
# read back from the topic builds on it, not on the store's older state.
_PENDING = web.AppKey("pending_controls", dict[str, IncidentControl])
_LOCK = web.AppKey("controls_lock", asyncio.Lock)


async def _incident(ctx: ConsoleContext, incident_id: str) -> IncidentEvent:
    body = await ctx.read(lambda: queries.latest_incident(ctx.store.reader(), incident_id))
    if body is None:
        raise NotFound(f"no incident {incident_id[:100]} in the store")
    return IncidentEvent.model_validate_json(body)


async def feedback(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    asked = await read_body(request, FeedbackRequest)
    incident = await _incident(ctx, request.match_info["incident_id"])
    event = feedback_on(incident, asked.verdict, asked.note, datetime.now(UTC))
    await ctx.writer.write(ctx.topics.feedback, incident.dataset.encode(), encode(event))
    answer = FeedbackAccepted(feedback=event, topic=ctx.topics.feedback)
    return json_response(answer.model_dump_json(exclude_none=True).encode(), 202)


async def _change(
    request: web.Request,
    *,
    note: str | None = None,
    ack: bool = False,
    snooze_s: int | None = None,
    unsnooze: bool = False,
) -> web.Response:
    ctx = request.app[CONTEXT]
    incident = await _incident(ctx, request.match_info["incident_id"])
    async with request.app[_LOCK]:
        pending = request.app[_PENDING]
        stored = await ctx.read(
            lambda: queries.control_of(ctx.store.reader(), incident.incident_id)
        )
        current = IncidentControl.model_validate_json(stored) if stored else None
        mine = pending.get(incident.incident_id)
        if mine is not None and (current is None or mine.changed_at >= current.changed_at):
            current = mine
        now = datetime.fromtimestamp(ctx.clock(), UTC)
        acknowledged_at = current.acknowledged_at if current else None
        snoozed_until = current.snoozed_until if current else None
        if ack:
            acknowledged_at = acknowledged_at or now
        if snooze_s is not None:
            snoozed_until = now + timedelta(seconds=snooze_s)
        if unsnooze:
            snoozed_until = None
        control = IncidentControl(
            incident_id=incident.incident_id,
            dataset=incident.dataset,
            acknowledged_at=acknowledged_at,
            snoozed_until=snoozed_until,
            note=note or (current.note if current else None),
            changed_at=now,
        )
        await ctx.writer.write(
            ctx.topics.incident_controls, incident.incident_id.encode(), encode(control)
        )
        pending[incident.incident_id] = control
    answer = ControlState(control=control, topic=ctx.topics.incident_controls)
    return json_response(answer.model_dump_json(exclude_none=True).encode())


async def acknowledge(request: web.Request) -> web.Response:
    asked = await read_body(request, AcknowledgeRequest)
    return await _change(request, note=asked.note, ack=True)


async def snooze(request: web.Request) -> web.Response:
    asked = await read_body(request, SnoozeRequest)
    seconds = duration_s(asked.duration, "duration", MAX_SNOOZE_S)
    return await _change(request, note=asked.note, snooze_s=seconds)


async def unsnooze(request: web.Request) -> web.Response:
    return await _change(request, unsnooze=True)


def install(app: web.Application) -> None:
    app[_PENDING] = {}
    app[_LOCK] = asyncio.Lock()


WRITE_ROUTES = (
    ApiRoute(
        "POST",
        "/api/v1/incidents/{incident_id}/feedback",
        feedback,
        "Say whether the incident was relevant; written to the feedback topic.",
        FeedbackAccepted,
        (_ID,),
        body=FeedbackRequest,
        status=202,
        write=True,
        tag="write",
    ),
    ApiRoute(
        "POST",
        "/api/v1/incidents/{incident_id}/acknowledge",
        acknowledge,
        "Acknowledge the incident (shown to everyone; the sinks go on sending its versions).",
        ControlState,
        (_ID,),
        body=AcknowledgeRequest,
        write=True,
        tag="write",
    ),
    ApiRoute(
        "POST",
        "/api/v1/incidents/{incident_id}/snooze",
        snooze,
        "Snooze the incident: the sinks hold its next versions until the snooze ends.",
        ControlState,
        (_ID,),
        body=SnoozeRequest,
        write=True,
        tag="write",
    ),
    ApiRoute(
        "DELETE",
        "/api/v1/incidents/{incident_id}/snooze",
        unsnooze,
        "End the incident's snooze now: held versions are sent.",
        ControlState,
        (_ID,),
        write=True,
        tag="write",
    ),
)
