"""`GraphClient`: one GraphQL request to The Graph over gql's aiohttp transport.

Each request is paid for from the query budget, timed, counted by outcome, and its failure
turned into one of our errors (`answer_errors.py`). An answer whose only errors are indexing
errors is returned with its data: with `subgraphError: allow` that data is usable. The API key
travels in an `Authorization: Bearer` header and is scrubbed from every message.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aiohttp
from gql import GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportError,
    TransportProtocolError,
)
from graphql import DocumentNode, parse
from pydantic import SecretStr

from dexwatch.connectors.thegraph.answer_errors import (
    INDEXING_ERROR,
    error_for_http_status,
    error_for_messages,
    retry_after_seconds,
)
from dexwatch.connectors.thegraph.clock import Clock
from dexwatch.connectors.thegraph.errors import RetryableQueryError, TheGraphError
from dexwatch.connectors.thegraph.metrics import TheGraphMetrics
from dexwatch.connectors.thegraph.query_budget import QueryBudget
from dexwatch.connectors.thegraph.settings import redact_endpoint

__all__ = ["GraphAnswer", "GraphClient"]


@dataclass(frozen=True)
class GraphAnswer:
    """An answer's data, and the indexing error that came with it, if any."""

    data: dict[str, Any]
    indexing_error: str | None = None


@functools.lru_cache(maxsize=64)
def _parsed(document: str) -> DocumentNode:
    return parse(document)


class GraphClient:
    """Sends queries to one endpoint; use as an async context manager (it holds a session)."""

    def __init__(
        self,
        endpoint: str,
        *,
        api_key: SecretStr | None,
        budget: QueryBudget,
        metrics: TheGraphMetrics,
        clock: Clock,
        timeout_s: float = 30.0,
    ) -> None:
        self._endpoint = endpoint
        self._api_key = api_key
        self._budget = budget
        self._metrics = metrics
        self._clock = clock
        self._timeout_s = timeout_s
        headers = (
            {} if api_key is None else {"Authorization": f"Bearer {api_key.get_secret_value()}"}
        )
        # raise_for_status: a proxy's 429 or 5xx must not pass as a GraphQL answer.
        self._transport = AIOHTTPTransport(
            url=endpoint,
            headers=headers,
            client_session_args={"raise_for_status": True},
        )
        self._update_budget_metrics()

    async def open(self) -> None:
        """Open the HTTP session (also done by `async with`)."""
        await self._transport.connect()

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def query(self, document: str, variables: dict[str, Any]) -> GraphAnswer:
        """Send one request; raise a `TheGraphError` for anything but usable data."""
        await self._budget.spend()
        self._update_budget_metrics()
        request = GraphQLRequest(_parsed(document), variable_values=variables)
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout_s):
                result = await self._transport.execute(request)
        except TimeoutError:
            raise self._failed(
                RetryableQueryError(f"no answer within {self._timeout_s:g}s", "connection_error")
            ) from None
        except TransportConnectionFailed as error:
            raise self._failed(self._transport_error(error)) from None
        except TransportProtocolError as error:
            reason = self._scrub(str(error))[:300]
            raise self._failed(
                RetryableQueryError(f"the answer is not GraphQL: {reason}", "protocol_error")
            ) from None
        except TransportError as error:
            raise self._failed(
                RetryableQueryError(self._scrub(str(error))[:300], "connection_error")
            ) from None
        finally:
            self._metrics.query_duration.observe(time.monotonic() - started)
        messages = [self._scrub(_message(item)) for item in result.errors or []]
        data = result.data
        if messages:
            only_indexing = all(message.startswith(INDEXING_ERROR) for message in messages)
            if not (only_indexing and isinstance(data, dict)):
                raise self._failed(error_for_messages(messages))
            self._metrics.queries.labels(outcome=INDEXING_ERROR).inc()
            return GraphAnswer(data, indexing_error=messages[0])
        if not isinstance(data, dict):
            raise self._failed(RetryableQueryError("the answer has no data", "protocol_error"))
        self._metrics.queries.labels(outcome="ok").inc()
        return GraphAnswer(data)

    def _transport_error(self, error: TransportConnectionFailed) -> TheGraphError:
        cause = error.__cause__
        if isinstance(cause, aiohttp.ClientResponseError):
            header = cause.headers.get("Retry-After") if cause.headers is not None else None
            return error_for_http_status(
                cause.status, retry_after_seconds(header, self._clock.now())
            )
        reason = self._scrub(str(cause if cause is not None else error))[:300]
        where = redact_endpoint(self._endpoint)
        return RetryableQueryError(f"cannot reach {where}: {reason}", "connection_error")

    def _failed(self, error: TheGraphError) -> TheGraphError:
        outcome = getattr(error, "outcome", "unknown_error")
        self._metrics.queries.labels(outcome=outcome).inc()
        return error

    def _scrub(self, text: str) -> str:
        """`text` without the API key, however it got there."""
        text = text.replace(self._endpoint, redact_endpoint(self._endpoint))
        if self._api_key is not None:
            text = text.replace(self._api_key.get_secret_value(), "***")
        return text

    def _update_budget_metrics(self) -> None:
        remaining = self._metrics.budget_remaining
        remaining.labels(window="minute").set(self._budget.remaining_this_minute)
        remaining.labels(window="month").set(self._budget.remaining_this_month)


def _message(item: object) -> str:
    if isinstance(item, dict):
        return str(item.get("message", item))
    return str(getattr(item, "message", item))
