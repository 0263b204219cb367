"""Where a dataset's events come from: a topic, the kind of event on it, and a filter.

Several datasets may read one topic; the filter decides which events are theirs. An event
the filter does not match is simply not for this dataset (not an error).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from dexwatch.schemas.dex_transaction import TransactionKind
from dexwatch.schemas.metric_event import DimensionName
from dexwatch.streams.datasets.rule_error import rule_error

__all__ = ["DatasetSource", "EventFormat", "Match", "SourceFilter"]

EventFormat = Literal["metric_event", "dex_transaction"]


def _one_or_many(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


def _canonical(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


# A single value means "equals"; a list means "one of" (kept sorted: order means nothing).
Match = Annotated[
    tuple[Annotated[str, Field(min_length=1, max_length=256)], ...],
    BeforeValidator(_one_or_many),
    Field(min_length=1),
    AfterValidator(_canonical),
]


class SourceFilter(BaseModel):
    """Every condition given must hold: event `source`, dimension values, transaction kinds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: Match | None = None
    dimensions: dict[DimensionName, Match] = Field(default_factory=dict)
    kinds: tuple[TransactionKind, ...] | None = Field(default=None, min_length=1)

    def matches(self, source: str, dimensions: dict[str, str], kind: str | None = None) -> bool:
        if self.source is not None and source not in self.source:
            return False
        if self.kinds is not None and kind not in self.kinds:
            return False
        return all(dimensions.get(name) in allowed for name, allowed in self.dimensions.items())


class DatasetSource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: str = Field(pattern=r"^[A-Za-z0-9._\-]{1,249}$")
    format: EventFormat = Field(
        default="metric_event", description="metric_event or dex_transaction (swap/mint/burn)."
    )
    filter: SourceFilter = Field(default_factory=SourceFilter)

    @field_validator("filter")
    @classmethod
    def _kinds_need_transactions(cls, value: SourceFilter, info: ValidationInfo) -> SourceFilter:
        if value.kinds is not None and info.data.get("format") != "dex_transaction":
            raise rule_error(("kinds",), "kinds are for dex_transaction events")
        return value
