"""Each error kind the gateway (or a proxy) answers, over real HTTP, becomes the right error."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from dexwatch.connectors.thegraph.errors import (
    AuthError,
    BadQueryError,
    RetriesExhaustedError,
    RetryableQueryError,
    SchemaDriftError,
    TheGraphError,
)
from dexwatch.connectors.thegraph.graph_client import GraphAnswer, GraphClient
from dexwatch.connectors.thegraph.query_budget import QueryBudget
from tests.connectors.thegraph.conftest import V3_ID, Harness
from tests.thegraph_server import RunningServer, ServerControl, TheGraphTestServer

META = (
    "query Meta($block: Block_height!) { _meta(block: $block) { block { number hash timestamp } "
    "hasIndexingErrors } }"
)
KEY = "0123456789abcdef0123456789abcdef"


def ask(harness: Harness, url: str | None = None, **options: Any) -> GraphAnswer:
    async def run() -> GraphAnswer:
        client = GraphClient(
            url or harness.running.url(V3_ID),
            api_key=options.get("api_key"),
            budget=QueryBudget(1000, 100_000, harness.clock),
            metrics=harness.metrics,
            clock=harness.clock,
            timeout_s=options.get("timeout_s", 10.0),
        )
        async with client:
            return await client.query(META, {"block": {"number_gte": 0}})

    return asyncio.run(run())


def test_a_plain_answer(harness: Harness) -> None:
    answer = ask(harness)
    assert answer.data["_meta"]["block"]["number"] > 19_000_000
    assert answer.indexing_error is None
    assert harness.metric("dexwatch_thegraph_queries_total", outcome="ok") == 1


@pytest.mark.parametrize(
    ("fault", "options", "error_type", "outcome"),
    [
        ("auth_error", {}, AuthError, "auth_error"),
        ("bad_query", {}, BadQueryError, "bad_query"),
        ("no_indexers", {}, RetryableQueryError, "no_indexers"),
        ("bad_indexers", {}, RetryableQueryError, "bad_indexers"),
        ("internal_error", {}, RetryableQueryError, "internal_error"),
        ("subgraph_not_found", {}, RetryableQueryError, "subgraph_not_found"),
        ("http_429", {"retry_after": 7}, RetryableQueryError, "rate_limited"),
        ("http_500", {}, RetryableQueryError, "http_error"),
    ],
)
def test_each_error_kind(
    harness: Harness,
    fault: Any,
    options: dict[str, Any],
    error_type: type[TheGraphError],
    outcome: str,
) -> None:
    harness.control.fail_next(fault, **options)
    with pytest.raises(error_type) as caught:
        ask(harness)
    assert getattr(caught.value, "outcome", None) == outcome
    assert harness.metric("dexwatch_thegraph_queries_total", outcome=outcome) == 1
    if fault == "http_429":
        assert isinstance(caught.value, RetryableQueryError)
        assert caught.value.retry_after == 7
    if fault == "subgraph_not_found":
        assert isinstance(caught.value, RetryableQueryError)
        assert caught.value.slow


def test_bad_query_that_is_not_drift_is_not_called_drift(harness: Harness) -> None:
    harness.control.fail_next("bad_query")
    with pytest.raises(BadQueryError) as caught:
        ask(harness)
    assert not isinstance(caught.value, SchemaDriftError)


def test_a_slow_answer_times_out_as_retryable(harness: Harness) -> None:
    harness.control.fail_next("slow", delay_s=0.4)
    with pytest.raises(RetryableQueryError, match=r"no answer within 0\.1s"):
        ask(harness, timeout_s=0.1)


def test_api_key_goes_in_a_header_and_never_into_messages(tmp_path: Path) -> None:
    server = TheGraphTestServer(api_key=KEY, control=ServerControl(now=1767650000.0))
    with RunningServer(server) as running:
        harness = Harness(server, running, tmp_path)
        assert ask(harness, api_key=SecretStr(KEY)).data["_meta"]
        assert server.ctl.requests[-1].authorization == f"Bearer {KEY}"
        with pytest.raises(AuthError, match="API key"):
            ask(harness)
        server.ctl.fail_next("http_500")
        with pytest.raises(RetryableQueryError) as caught:
            ask(harness, url=running.url(V3_ID, key=KEY), api_key=SecretStr(KEY))
        assert KEY not in str(caught.value)


def test_retries_honour_retry_after_then_succeed(harness: Harness) -> None:
    harness.control.fail_next("http_429", times=2, retry_after=3)
    harness.control.fail_next("bad_indexers")
    [report] = harness.poll()
    assert report.hourly_events > 0
    assert harness.metric("dexwatch_thegraph_queries_total", outcome="rate_limited") == 2
    assert harness.metric("dexwatch_thegraph_retries_total") == 3
    assert all(delay >= 3 for delay in harness.clock.sleeps[:2]), harness.clock.sleeps


def test_retries_give_up_and_nothing_is_emitted_or_saved(harness: Harness) -> None:
    harness.control.fail_next("internal_error", times=20)
    with pytest.raises(RetriesExhaustedError, match="internal error"):
        harness.poll(harness.settings(retry={"max_attempts": 3, "base_delay_s": 1}))
    assert harness.sink.records == []
    assert not harness.checkpoint.exists()
    assert len(harness.control.requests) == 3
    assert harness.metric("dexwatch_thegraph_cycles_total", result="failed") == 1


def test_schema_drift_stops_with_a_clear_message(harness: Harness) -> None:
    harness.control.drop_field("Pool", "feesUSD")
    with pytest.raises(SchemaDriftError) as caught:
        harness.poll()
    message = str(caught.value)
    assert "schema drift" in message
    assert "feesUSD" in message
    assert harness.sink.records == []
    assert harness.metric("dexwatch_thegraph_queries_total", outcome="schema_drift") == 1


def test_an_auth_error_is_not_retried(harness: Harness) -> None:
    harness.control.fail_next("auth_error")
    with pytest.raises(AuthError):
        harness.poll()
    assert len(harness.control.requests) == 1
    assert harness.clock.sleeps == []


def test_indexing_errors_keep_the_data_and_raise_an_alert(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.control.indexing_failed = True
    with caplog.at_level(logging.ERROR, logger="dexwatch.connectors.thegraph"):
        [report] = harness.poll()
    assert report.hourly_events > 0
    assert report.transactions > 0
    assert harness.metric("dexwatch_thegraph_queries_total", outcome="indexing_error") >= 3
    assert harness.metric("dexwatch_thegraph_indexing_errors_total") >= 3
    assert harness.metric("dexwatch_thegraph_has_indexing_errors") == 1
    assert "ALERT: the subgraph reports indexing errors" in caplog.text
