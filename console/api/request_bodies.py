"""Reading a JSON request body into its model: a bad one is a `BadParameter` naming the field."""

from __future__ import annotations

from typing import TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from dexwatch.console.errors import BadParameter

__all__ = ["read_body"]

ModelT = TypeVar("ModelT", bound=BaseModel)


async def read_body(request: web.Request, model: type[ModelT]) -> ModelT:
    raw = await request.read()
    try:
        return model.model_validate(orjson.loads(raw or b"{}"))
    except orjson.JSONDecodeError:
        raise BadParameter("body", "expected a JSON object") from None
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise BadParameter(where, first["msg"]) from None
