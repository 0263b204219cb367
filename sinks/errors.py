"""The sinks' errors, under the one root `DexwatchError`."""

from __future__ import annotations

from dexwatch.schemas.errors import DexwatchError

__all__ = ["LedgerError", "SinkError"]


class SinkError(DexwatchError, RuntimeError):
    """A sink cannot go on: Kafka refused a dead letter, its data dir is unusable, ..."""


class LedgerError(SinkError):
    """The delivered ledger cannot be opened: another process holds it, or it is not ours."""
