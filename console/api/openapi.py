"""The OpenAPI 3.1 document of the console, generated from the route table and the pydantic
models of `documents.py`: what the app serves is what the document says."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from dexwatch.console.api.documents import ErrorBody
from dexwatch.console.api.route_table import ApiRoute

__all__ = ["openapi_document"]

_ERRORS = {
    "400": "A bad parameter (named in `parameter`).",
    "401": "No token, or not a bearer token.",
    "403": "A token not valid here, or a read token on a write route.",
    "404": "Not in the store.",
}


def openapi_document(routes: Sequence[ApiRoute], server: str | None) -> dict[str, Any]:
    models: list[type[BaseModel]] = [ErrorBody]
    for route in routes:
        for model in (route.response, route.body):
            if model is not None and model not in models:
                models.append(model)
    _, definitions = models_json_schema(
        [(model, "serialization") for model in models],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "dexwatch console API",
            "version": "1",
            "description": "Anomalies, incidents, series and model actions from the console's "
            "store; feedback, acknowledgements, snoozes and backtests. docs/console.md.",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
    if server is not None:
        document["servers"] = [{"url": server}]
    return document


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(route: ApiRoute) -> dict[str, Any]:
    content = (
        {route.response_media: {"schema": _ref(route.response)}}
        if route.response is not None
        else {route.response_media: {}}
    )
    responses: dict[str, Any] = {str(route.status): {"description": "OK", "content": content}}
    if not route.public:
        for code, text in _ERRORS.items():
            responses[code] = {
                "description": text,
                "content": {"application/json": {"schema": _ref(ErrorBody)}},
            }
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": [route.tag],
        "operationId": f"{route.method.lower()}_{route.path.strip('/').replace('/', '_')}".replace(
            "{", ""
        )
        .replace("}", "")
        .replace("-", "_"),
        "parameters": [
            {
                "name": param.name,
                "in": param.where,
                "required": param.required or param.where == "path",
                "description": param.description,
                "schema": {"type": param.kind},
            }
            for param in route.params
        ],
        "responses": responses,
    }
    if route.public:
        operation["security"] = []
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {route.body_media: {"schema": _ref(route.body)}},
        }
    elif route.body_media != "application/json":
        operation["requestBody"] = {"required": True, "content": {route.body_media: {}}}
    return operation
