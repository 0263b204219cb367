"""The records the worker's agent hands to the handler, and the ones it sends on."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["ConsumedRecord", "OutputRecord", "Partition"]

Partition = tuple[str, int]  # (topic, partition)


@dataclass(frozen=True, slots=True)
class ConsumedRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    received_at: float = field(default_factory=time.monotonic)  # for the latency histogram


@dataclass(frozen=True, slots=True)
class OutputRecord:
    topic: str
    key: bytes | None
    value: bytes
    # A dead letter's reason kind: counted only once the broker has the record.
    dead_letter_reason: str | None = None
    headers: tuple[tuple[str, bytes], ...] = ()  # e.g. the kind of an incident input
