"""What an error from The Graph means: fatal, worth a retry, or data to keep with an alert.

The gateway answers most errors with HTTP 200 and `{"errors": [{"message": ...}]}`, told apart
by the message's prefix; proxies in front answer 429 and 5xx. This module turns either into one
of our errors (see `errors.py`), with a message that says what to do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import parsedate_to_datetime

from dexwatch.connectors.thegraph.errors import (
    AuthError,
    BadQueryError,
    FatalQueryError,
    RetryableQueryError,
    SchemaDriftError,
    TheGraphError,
)

__all__ = ["INDEXING_ERROR", "error_for_http_status", "error_for_messages", "retry_after_seconds"]

INDEXING_ERROR = "indexing_error"

# graphql-js / graphql-core and graph-node's own words for "no such field or argument".
_DRIFT = re.compile(
    r"Cannot query field|has no field|Unknown argument|Unknown type|is not defined by type"
    r"|Unknown field",
    re.IGNORECASE,
)
# (prefix, outcome, slow): retryable gateway answers.
_RETRYABLE: tuple[tuple[str, str, bool], ...] = (
    ("subgraph not found", "subgraph_not_found", True),
    ("no indexers found", "no_indexers", False),
    ("bad indexers", "bad_indexers", False),
    ("internal error", "internal_error", False),
)
# graph-node when asked for a block (number_gte) it has not indexed yet.
_NOT_YET_INDEXED = re.compile(r"not yet available|has only indexed up to", re.IGNORECASE)


def error_for_messages(messages: Sequence[str]) -> TheGraphError:
    """The error to raise for a GraphQL answer's error messages (not only indexing errors)."""
    message = next((m for m in messages if not m.startswith(INDEXING_ERROR)), messages[0])
    lowered = message.lower()
    if lowered.startswith("auth error"):
        return AuthError(
            f"The Graph refused the API key ({message}); check that the key is right (32 hex "
            "characters), allowed for this subgraph, and that its plan still has queries"
        )
    if _DRIFT.search(message):
        return SchemaDriftError(
            f"The Graph refused the query, most likely schema drift: the subgraph no longer has "
            f"a field or argument this connector asks for ({message}); compare the subgraph's "
            "current schema with connectors/thegraph/queries.py"
        )
    if lowered.startswith("bad query"):
        return BadQueryError(f"The Graph refused the query as invalid ({message})")
    for prefix, outcome, slow in _RETRYABLE:
        if lowered.startswith(prefix):
            return RetryableQueryError(message, outcome, slow=slow)
    if _NOT_YET_INDEXED.search(message):
        return RetryableQueryError(message, "not_yet_indexed")
    if message.startswith(INDEXING_ERROR):
        return RetryableQueryError(f"{message} (and no data with it)", INDEXING_ERROR)
    return RetryableQueryError(message, "unknown_error")


def error_for_http_status(status: int, retry_after: float | None) -> TheGraphError:
    """The error for an HTTP error status from the gateway or a proxy in front of it."""
    if status == 429:
        return RetryableQueryError(
            "HTTP 429 Too Many Requests", "rate_limited", retry_after=retry_after
        )
    if status >= 500:
        return RetryableQueryError(f"HTTP {status}", "http_error", retry_after=retry_after)
    if status in (401, 403):
        return AuthError(f"HTTP {status}: the endpoint refused our credentials; check the API key")
    return FatalQueryError(
        f"HTTP {status} from the endpoint; check the URL (see docs/thegraph-connector.md)",
        "http_error",
    )


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """An HTTP Retry-After value (seconds, or an HTTP date) as seconds from `now`."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(text).timestamp() - now
        except (TypeError, ValueError, IndexError):
            return None
    return max(0.0, seconds) if seconds == seconds else None
