"""Errors of The Graph connector, each saying what went wrong and what to do about it.

All derive from `TheGraphError` (a `DexwatchError`). The retry loop tells them apart by class:
`RetryableQueryError` is worth another try, `FatalQueryError` is not.
"""

from __future__ import annotations

from dexwatch.schemas.errors import DexwatchError

__all__ = [
    "AuthError",
    "BadQueryError",
    "BudgetExhaustedError",
    "CheckpointError",
    "FatalQueryError",
    "RetriesExhaustedError",
    "RetryableQueryError",
    "SchemaDriftError",
    "StaleBlockError",
    "TheGraphError",
    "UpstreamValueError",
]


class TheGraphError(DexwatchError):
    """Root of the connector's errors."""


class FatalQueryError(TheGraphError, RuntimeError):
    """Retrying cannot help: the key, the query, the URL or the schema is wrong.

    `outcome` is a bounded code, used as the `outcome` label of the queries metric.
    """

    default_outcome = "bad_query"

    def __init__(self, message: str, outcome: str | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome if outcome is not None else self.default_outcome


class AuthError(FatalQueryError):
    """The gateway refused the API key (missing, wrong or out of queries)."""

    default_outcome = "auth_error"


class BadQueryError(FatalQueryError):
    """The gateway refused the query itself: our bug."""


class SchemaDriftError(BadQueryError):
    """The subgraph no longer has a field or argument we ask for: its schema changed."""

    default_outcome = "schema_drift"


class RetryableQueryError(TheGraphError, RuntimeError):
    """A failure that may pass: no indexer free, an indexer error, a proxy's 429 or 5xx.

    `retry_after` is the server's own wait, in seconds, when it said one (HTTP Retry-After);
    `slow` asks for a slower backoff (a subgraph not found may be still deploying).
    """

    def __init__(
        self, message: str, outcome: str, *, retry_after: float | None = None, slow: bool = False
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.retry_after = retry_after
        self.slow = slow


class StaleBlockError(RetryableQueryError):
    """An answer from a block older than one already seen, or not at the block we pinned.

    Using it would move our view back in time, so it is retried and never emitted.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, "stale_block")


class RetriesExhaustedError(TheGraphError, RuntimeError):
    """A retryable failure that persisted through every allowed attempt."""


class BudgetExhaustedError(TheGraphError, RuntimeError):
    """The monthly query budget is spent: querying on would cost money or be refused."""


class CheckpointError(TheGraphError, ValueError):
    """The checkpoint file cannot be read, is of an unknown version, or is for another source."""


class UpstreamValueError(TheGraphError, ValueError):
    """A value from the subgraph that cannot be used.

    `reason` is a bounded code (a metric label and the dead letter's `reason_kind`); `field` names
    the upstream field; the message says what was wrong, for people.
    """

    def __init__(self, reason: str, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.reason = reason
        self.field = field
        self.detail = detail
