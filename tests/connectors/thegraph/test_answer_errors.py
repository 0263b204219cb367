"""Each gateway error message and HTTP status is classified as the facts say it should be."""

from __future__ import annotations

import pytest

from dexwatch.connectors.thegraph.answer_errors import (
    error_for_http_status,
    error_for_messages,
    retry_after_seconds,
)
from dexwatch.connectors.thegraph.errors import (
    AuthError,
    BadQueryError,
    FatalQueryError,
    RetryableQueryError,
    SchemaDriftError,
)


@pytest.mark.parametrize(
    ("message", "outcome", "slow"),
    [
        ("no indexers found", "no_indexers", False),
        ("bad indexers: {0x1: BadResponse(timeout)}", "bad_indexers", False),
        ("internal error: boom", "internal_error", False),
        ("subgraph not found: QmX", "subgraph_not_found", True),
        (
            "has only indexed up to block number 5 and ... is therefore not yet available",
            "not_yet_indexed",
            False,
        ),
        ("something new", "unknown_error", False),
    ],
)
def test_retryable_messages(message: str, outcome: str, slow: bool) -> None:
    error = error_for_messages([message])
    assert isinstance(error, RetryableQueryError)
    assert (error.outcome, error.slow) == (outcome, slow)


def test_auth_error_is_fatal_and_says_what_to_check() -> None:
    error = error_for_messages(["auth error: invalid auth token"])
    assert isinstance(error, AuthError)
    assert "API key" in str(error)
    assert error.outcome == "auth_error"


@pytest.mark.parametrize(
    "message",
    [
        'bad query: Cannot query field "feeGrowthGlobal0X128" on type "Pool".',
        "Type `Pool` has no field `feeGrowthGlobal0X128`",
        'bad query: Field "pool_in" is not defined by type "Swap_filter".',
    ],
)
def test_unknown_fields_are_reported_as_schema_drift(message: str) -> None:
    error = error_for_messages([message])
    assert isinstance(error, SchemaDriftError)
    assert "schema drift" in str(error)
    assert error.outcome == "schema_drift"


def test_other_bad_queries_are_fatal() -> None:
    error = error_for_messages(["bad query: The `first` argument must be between 0 and 1000"])
    assert type(error) is BadQueryError


def test_an_indexing_error_without_data_is_retryable() -> None:
    error = error_for_messages(["indexing_error"])
    assert isinstance(error, RetryableQueryError)


@pytest.mark.parametrize(
    ("status", "kind", "outcome"),
    [
        (429, RetryableQueryError, "rate_limited"),
        (500, RetryableQueryError, "http_error"),
        (503, RetryableQueryError, "http_error"),
        (401, AuthError, "auth_error"),
        (404, FatalQueryError, "http_error"),
    ],
)
def test_http_statuses(status: int, kind: type[Exception], outcome: str) -> None:
    error = error_for_http_status(status, 7.0)
    assert isinstance(error, kind)
    assert getattr(error, "outcome", None) == outcome


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after_seconds("12", now=0) == 12
    assert retry_after_seconds("Thu, 01 Jan 1970 00:01:00 GMT", now=30) == 30
    assert retry_after_seconds("soon", now=0) is None
    assert retry_after_seconds(None, now=0) is None
    assert retry_after_seconds("-5", now=0) == 0
