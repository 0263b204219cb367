"""The sink contract: one delivery attempt of one incident, and what came of it.

A sink never sleeps and never retries by itself: `deliver()` makes one attempt and reports
`Delivered`, `RetryLater` (back-pressure: a 429's Retry-After, a 5xx, no connection) or `GiveUp`
(retrying cannot help: a revoked webhook, a refused payload). The delivery loop
(`sinks.retrying_delivery`) decides when to try again and when to dead-letter, so every sink
gets the same backoff, the same limits and the same metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, get_args

from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.sink_dead_letter import SinkKind

__all__ = [
    "GIVE_UP_REASONS",
    "RETRY_REASONS",
    "Delivered",
    "DeliveryOutcome",
    "GiveUp",
    "GiveUpReason",
    "RetryLater",
    "RetryReason",
    "Sink",
]

# Closed sets: they are metric labels.
RetryReason = Literal["rate_limited", "server_error", "timeout", "unreachable"]
RETRY_REASONS: tuple[RetryReason, ...] = get_args(RetryReason)
GiveUpReason = Literal["revoked", "rejected", "invalid_payload"]
GIVE_UP_REASONS: tuple[GiveUpReason, ...] = get_args(GiveUpReason)


@dataclass(frozen=True, slots=True)
class Delivered:
    """The destination took the alert."""

    status: int | None = None


@dataclass(frozen=True, slots=True)
class RetryLater:
    """Not now: try again, no sooner than `retry_after_s` when the destination said so."""

    reason: RetryReason
    detail: str  # what happened, for the log; never holds a secret
    retry_after_s: float | None = None
    status: int | None = None


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Never: another attempt would be refused the same way."""

    reason: GiveUpReason
    detail: str  # what happened and what to do, for the log and the dead letter
    status: int | None = None


DeliveryOutcome = Delivered | RetryLater | GiveUp


class Sink(Protocol):
    """Something that takes incidents: Slack, a webhook receiver."""

    @property
    def name(self) -> str:
        """The configured name: the consumer group, metric label and ledger file derive from it."""
        ...

    @property
    def kind(self) -> SinkKind: ...

    @property
    def target(self) -> str:
        """Where it delivers, for logs: a host, never a secret."""
        ...

    async def deliver(self, incident: IncidentEvent) -> DeliveryOutcome:
        """One attempt to hand `incident` over; never raises for a failed delivery."""
        ...
