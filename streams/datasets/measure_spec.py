"""One measure of a dataset: which input it reads, and how an interval's inputs become a number."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dexwatch.schemas.dex_transaction import TransactionKind
from dexwatch.schemas.metric_event import MeasureName
from dexwatch.streams.datasets.rule_spec import RuleSpec

__all__ = [
    "TRANSACTION_NUMBER_FIELDS",
    "TRANSACTION_TEXT_FIELDS",
    "Aggregation",
    "MeasureSpec",
]

Aggregation = Literal["sum", "avg", "min", "max", "last", "count", "count_distinct"]

# What a `DexTransaction` offers to aggregate: numbers for every aggregation, text for
# `count` and `count_distinct` only.
TRANSACTION_NUMBER_FIELDS = ("amount_usd", "price_impact")
TRANSACTION_TEXT_FIELDS = ("sender", "transaction_hash", "kind", "source")


class MeasureSpec(BaseModel):
    """`name` is what the detector sees; `field` is what the event carries (default: `name`).

    `count` counts events (those carrying `field`, if one is given); `count_distinct` counts
    distinct values of a text field of transaction events (e.g. senders). `kinds` keeps only
    transactions of those kinds (e.g. `mint` for liquidity added). `rules` judge the measure
    beside the model, e.g. `[{threshold: {lower: 0.99, upper: 1.01}}]`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: MeasureName
    field: MeasureName | None = Field(
        default=None, description="The input measure or attribute; default: the name."
    )
    aggregation: Aggregation
    kinds: tuple[TransactionKind, ...] | None = Field(
        default=None, min_length=1, description="Transaction events only: kinds that count."
    )
    rules: tuple[RuleSpec, ...] = Field(
        default=(), description="Rules judging this measure beside the model: docs/datasets.md."
    )

    @property
    def input_field(self) -> str | None:
        """The event field read; None for a `count` of every event."""
        if self.field is not None:
            return self.field
        return None if self.aggregation == "count" else self.name
