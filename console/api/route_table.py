"""Each API route with what the OpenAPI document says of it: one list, so the document and
the app cannot disagree (a test checks every route the app serves is in the document)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from pydantic import BaseModel

__all__ = ["ApiRoute", "Param"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    description: str
    kind: str = "string"  # the JSON Schema type
    required: bool = False
    where: str = "query"  # or "path"


@dataclass(frozen=True, slots=True)
class ApiRoute:
    method: str
    path: str
    handler: Handler
    summary: str
    response: type[BaseModel] | None  # None: `response_media`, free-form
    params: tuple[Param, ...] = ()
    body: type[BaseModel] | None = None
    body_media: str = "application/json"
    status: int = 200
    write: bool = False
    tag: str = "read"
    response_media: str = "application/json"
    public: bool = False  # served without a token
