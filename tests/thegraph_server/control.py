"""What the test server is told to do: errors, lag, going back in time, slowness, bad values.

Thread-safe: a test changes it while the server answers on its own thread. One-shot faults
are queued (`fail_next`) and each spent on one request; the rest are states that hold until
changed.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = ["FAULT_KINDS", "Fault", "FaultKind", "ServerControl"]

FaultKind = Literal[
    "auth_error",
    "bad_query",
    "no_indexers",
    "bad_indexers",
    "internal_error",
    "subgraph_not_found",
    "http_429",
    "http_500",
    "older_block",
    "slow",
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)

# The gateway's words for each error answered as GraphQL errors (HTTP 200).
ERROR_MESSAGES: dict[str, str] = {
    "auth_error": "auth error: invalid auth token",
    "bad_query": 'bad query: invalid query: Variable "$unused" is never used',
    "no_indexers": "no indexers found",
    "bad_indexers": (
        "bad indexers: {0x87a3…: BadResponse(timeout), 0x920f…: Unavailable(MissingBlock)}"
    ),
    "internal_error": "internal error: upstream connection reset",
    "subgraph_not_found": "subgraph not found: the deployment is not indexed yet",
}


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    retry_after: float | None = None  # http_429 / http_500: the Retry-After header
    blocks_back: int = 50  # older_block: how far behind the head the answer is
    delay_s: float = 1.0  # slow: how long before answering


@dataclass
class RequestRecord:
    path: str
    query: str
    variables: dict[str, Any]
    authorization: str | None
    answered: str = "ok"


@dataclass
class ServerControl:
    """The knobs; read by the server on every request."""

    now: float | None = None  # None: the wall clock
    lag_s: float = 0.0
    indexing_failed: bool = False
    dropped_fields: set[tuple[str, str]] = field(default_factory=set)
    corruptions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    _faults: deque[Fault] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, kind: FaultKind, times: int = 1, **options: Any) -> None:
        """Answer the next `times` requests with `kind`."""
        with self._lock:
            self._faults.extend(Fault(kind, **options) for _ in range(times))

    def take_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def corrupt(self, entity: str, entity_id: str, field_name: str, value: Any) -> None:
        """Serve `value` (any JSON value, None for null) as `field_name` of that entity."""
        with self._lock:
            self.corruptions.setdefault((entity, entity_id), {})[field_name] = value

    def drop_field(self, entity: str, field_name: str) -> None:
        """Remove a field from the schema, as upstream schema drift would."""
        with self._lock:
            self.dropped_fields.add((entity, field_name))

    def record(self, request: RequestRecord) -> None:
        with self._lock:
            self.requests.append(request)

    def head_time(self) -> float:
        """The timestamp the indexer has reached: now minus the lag."""
        now = self.now if self.now is not None else time.time()
        return now - self.lag_s

    def settings(self) -> dict[str, Any]:
        """The state, as the admin endpoint shows it."""
        with self._lock:
            return {
                "now": self.now,
                "lag_s": self.lag_s,
                "indexing_failed": self.indexing_failed,
                "pending_faults": [fault.kind for fault in self._faults],
                "dropped_fields": sorted(f"{e}.{f}" for e, f in self.dropped_fields),
                "corruptions": len(self.corruptions),
                "requests": len(self.requests),
            }
