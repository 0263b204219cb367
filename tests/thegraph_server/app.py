"""The test server's HTTP side: gateway-shaped routes, GraphQL execution, faults, admin.

Routes: `POST /api/<key>/subgraphs/id/<id>` and `POST /subgraphs/id/<id>` (key as
`Authorization: Bearer`), one subgraph per id (see `SUBGRAPHS`); `GET|POST /admin` to see and
change the `ServerControl`.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from graphql import GraphQLError, GraphQLSchema, build_schema, execute_sync, parse, validate

from tests.thegraph_server.control import ERROR_MESSAGES, Fault, RequestRecord, ServerControl
from tests.thegraph_server.dataset import FIRST_BLOCK, Dataset
from tests.thegraph_server.filtering import select_rows
from tests.thegraph_server.sdl import V2_SDL, V3_SDL
from tests.thegraph_server.views import Row, SchemaName, SubgraphView

__all__ = ["SUBGRAPHS", "TheGraphTestServer"]

# The real ids (Ethereum mainnet), each served with its own seeded data.
SUBGRAPHS: dict[str, tuple[str, SchemaName, int]] = {
    "5zvR82QoaXYFyDEKLZ9t6v9adgnptxYpKpSbxtgVENFV": ("uniswap-v3", "v3", 3),
    "A3Np3RQbaBA6oKJgiwDJeo5T3zrYfGHPWFYayMwtNDum": ("uniswap-v2", "v2", 2),
    "5nnoU1nUFeWqtXgbpC54L9PWdpgo7Y9HYinR3uTMsfzs": ("sushiswap-v3", "v3", 13),
    "GyZ9MgVQkTWuXGMSd3LXESvpevE8S8aD3uktJh7kbVmc": ("sushiswap-v2", "v2", 12),
}
_ALLOW = re.compile(r"subgraphError\s*:\s*allow")


@functools.lru_cache(maxsize=16)
def _view(
    seed: int, pools: int, start: int, hours: int, schema: SchemaName, depeg_at: int | None
) -> SubgraphView:
    """Datasets are deterministic: build each once per process."""
    dataset = Dataset(seed=seed, pools=pools, start=start, hours=hours, depeg_at=depeg_at)
    return SubgraphView(dataset, schema)


class _Answer:
    """One request's view: which block each collection is read at, and the fault to apply."""

    def __init__(self, view: SubgraphView, control: ServerControl, fault: Fault | None) -> None:
        self.view = view
        self.control = control
        self.dataset = view.dataset
        self.head = self.dataset.block_at(control.head_time())
        self.older_by = (
            fault.blocks_back if fault is not None and fault.kind == "older_block" else 0
        )

    def block_for(self, block: dict[str, Any] | None) -> int:
        if self.older_by:
            return max(FIRST_BLOCK, self.head - self.older_by)
        block = block or {}
        if block.get("hash") is not None:
            number = self.dataset.block_of_hash(str(block["hash"]))
            if number is None or number > self.head:
                raise GraphQLError(f"bad query: block hash {block['hash']} not found")
            return number
        wanted = block.get("number", block.get("number_gte"))
        if wanted is not None and int(wanted) > self.head:
            raise GraphQLError(
                "Failed to decode `block.number_gte` value: `subgraph has only indexed up to "
                f"block number {self.head} and data for block number {wanted} is therefore not "
                "yet available`"
            )
        return int(block["number"]) if block.get("number") is not None else self.head

    def rows(self, entity: str, number: int) -> list[Row]:
        rows = self.view.collection(entity, number)
        corruptions = self.control.corruptions
        if corruptions:
            rows = [
                row | corruptions[(entity, row["id"])]
                if (entity, row["id"]) in corruptions
                else row
                for row in rows
            ]
        return rows

    def meta(self, block: dict[str, Any] | None) -> Row:
        number = self.block_for(block)
        return {
            "block": {
                "number": number,
                "hash": self.dataset.block_hash(number),
                "timestamp": self.dataset.block_timestamp(number),
                "parentHash": self.dataset.block_hash(number - 1),
            },
            "deployment": "QmTestDeployment",
            "hasIndexingErrors": self.control.indexing_failed,
        }


def _collection(entity: str, single: bool) -> Callable[..., Any]:
    def resolve(_root: object, info: Any, **args: Any) -> Any:
        answer: _Answer = info.context
        rows = answer.rows(entity, answer.block_for(args.get("block")))
        if single:
            return next((row for row in rows if row["id"] == args["id"]), None)
        return select_rows(
            rows,
            first=args.get("first", 100),
            skip=args.get("skip", 0),
            where=args.get("where"),
            order_by=args.get("orderBy"),
            order_direction=args.get("orderDirection"),
        )

    return resolve


def _schema(schema: SchemaName, dropped: frozenset[tuple[str, str]]) -> GraphQLSchema:
    built = build_schema(V3_SDL if schema == "v3" else V2_SDL)
    query = built.query_type
    assert query is not None
    for name, root in query.fields.items():
        entity = root.type
        while hasattr(entity, "of_type"):
            entity = entity.of_type
        entity_name = getattr(entity, "name", "")
        if name == "_meta":
            root.resolve = lambda _root, info, **args: info.context.meta(args.get("block"))
        else:
            root.resolve = _collection(entity_name, single=not name.endswith("s"))
    for entity_name, field_name in dropped:
        fields = getattr(built.type_map.get(entity_name), "fields", {})
        fields.pop(field_name, None)
    return built


_schemas = functools.lru_cache(maxsize=32)(_schema)


@dataclass
class TheGraphTestServer:
    """A local stand-in for The Graph's gateway over generated data."""

    start: int = 1767571200
    hours: int = 48
    pools: int = 36
    api_key: str | None = None
    control: ServerControl | None = None
    depeg_at: int | None = None  # stable pairs lose their peg then (`Dataset.depeg_at`)

    def __post_init__(self) -> None:
        if self.control is None:
            self.control = ServerControl(now=float(self.start + self.hours * 3600))

    @property
    def ctl(self) -> ServerControl:
        assert self.control is not None
        return self.control

    def view(self, subgraph_id: str) -> SubgraphView:
        _name, schema, seed = SUBGRAPHS[subgraph_id]
        return _view(seed, self.pools, self.start, self.hours, schema, self.depeg_at)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{key}/subgraphs/id/{subgraph}", self._graphql)
        app.router.add_post("/subgraphs/id/{subgraph}", self._graphql)
        app.router.add_get("/admin", self._admin)
        app.router.add_post("/admin", self._admin)
        return app

    async def _graphql(self, request: web.Request) -> web.Response:
        control = self.ctl
        subgraph = request.match_info["subgraph"]
        try:
            body = orjson.loads(await request.read())
            query = str(body["query"])
            variables = dict(body.get("variables") or {})
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return _errors("bad query: the body is not a GraphQL request")
        authorization = request.headers.get("Authorization")
        record = RequestRecord(request.path, query, variables, authorization)
        control.record(record)
        if subgraph not in SUBGRAPHS:
            record.answered = "subgraph_not_found"
            return _errors(f"subgraph not found: {subgraph}")
        if self.api_key is not None and self.api_key not in (
            request.match_info.get("key"),
            (authorization or "").removeprefix("Bearer "),
        ):
            record.answered = "auth_error"
            return _errors("auth error: missing or invalid API key")
        fault = control.take_fault()
        if fault is not None:
            record.answered = fault.kind
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay_s)
            elif fault.kind in ("http_429", "http_500"):
                return _http_error(fault)
            elif fault.kind in ERROR_MESSAGES:
                return _errors(ERROR_MESSAGES[fault.kind])
        return self._execute(subgraph, query, variables, fault)

    def _execute(
        self, subgraph: str, query: str, variables: dict[str, Any], fault: Fault | None
    ) -> web.Response:
        control = self.ctl
        view = self.view(subgraph)
        schema = _schemas(view.schema, frozenset(control.dropped_fields))
        try:
            document = parse(query)
        except GraphQLError as error:
            return _errors(f"bad query: {error.message}")
        problems = validate(schema, document)
        if problems:
            return _errors(*(f"bad query: {problem.message}" for problem in problems))
        allow = _ALLOW.search(query) is not None
        if control.indexing_failed and not allow:
            return _errors("indexing_error")
        result = execute_sync(
            schema, document, variable_values=variables, context_value=_Answer(view, control, fault)
        )
        payload: dict[str, Any] = {"data": result.data}
        messages = [error.message for error in result.errors or []]
        if control.indexing_failed:
            messages.append("indexing_error")
        if messages:
            payload["errors"] = [{"message": message} for message in messages]
        return web.json_response(payload, dumps=lambda value: orjson.dumps(value).decode())

    async def _admin(self, request: web.Request) -> web.Response:
        control = self.ctl
        if request.method == "POST":
            try:
                _apply_admin(control, orjson.loads(await request.read()))
            except (orjson.JSONDecodeError, TypeError, ValueError, KeyError) as error:
                return web.json_response({"error": str(error)}, status=400)
        return web.json_response(
            control.settings()
            | {"subgraphs": {sid: name for sid, (name, _s, _seed) in SUBGRAPHS.items()}}
        )


def _apply_admin(control: ServerControl, change: dict[str, Any]) -> None:
    """`{"fail_next": {"kind": "http_429", "times": 2, "retry_after": 3}, "now": ..., "lag_s":
    ..., "indexing_failed": true, "corrupt": [{"entity", "id", "field", "value"}],
    "drop_field": ["Pool.feesUSD"]}` (any subset)."""
    if "fail_next" in change:
        options = dict(change["fail_next"])
        control.fail_next(options.pop("kind"), int(options.pop("times", 1)), **options)
    if "now" in change:
        control.now = None if change["now"] is None else float(change["now"])
    if "lag_s" in change:
        control.lag_s = float(change["lag_s"])
    if "indexing_failed" in change:
        control.indexing_failed = bool(change["indexing_failed"])
    for item in change.get("corrupt", []):
        control.corrupt(item["entity"], item["id"], item["field"], item.get("value"))
    for dotted in change.get("drop_field", []):
        entity, _, field_name = str(dotted).partition(".")
        control.drop_field(entity, field_name)


def _errors(*messages: str) -> web.Response:
    return web.json_response({"errors": [{"message": message} for message in messages]})


def _http_error(fault: Fault) -> web.Response:
    status = 429 if fault.kind == "http_429" else 500
    headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
    text = "Too Many Requests" if status == 429 else "Internal Server Error"
    return web.Response(status=status, text=text, headers=headers)
