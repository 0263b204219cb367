"""The interval aggregator's open state as plain, versioned data (JSON-ready, never pickled).

Only what is still open travels: buckets of unclosed intervals, the series records and the
clock. State is refused (`StateFormatError`) when its version or its measure layout (interval,
measure names and aggregations) differs from the dataset it is loaded into.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.codec import describe_validation_error
from schemas.errors import StateFormatError
from streams.datasets.measure_spec import Aggregation

__all__ = ["FORMAT_VERSION", "AggregatorState", "BucketState", "SeriesState", "parse_state"]

FORMAT_VERSION: Literal[1] = 1


class _Plain(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BucketState(_Plain):
    series: str
    start_us: int
    event_count: int = Field(ge=1)
    measures: dict[str, list[float] | list[str]]
    offsets: list[tuple[str, int, int, int]]


class SeriesState(_Plain):
    dimensions: dict[str, str]
    last_data_us: int | None = None
    missing: int = Field(default=0, ge=0)


class AggregatorState(_Plain):
    format_version: Literal[1] = FORMAT_VERSION
    dataset: str
    interval: str
    measures: list[tuple[str, Aggregation]]
    max_time_us: int | None
    closed_until_us: int | None
    series: dict[str, SeriesState]
    buckets: list[BucketState]

    def layout_matches(self, interval: str, measures: list[tuple[str, Aggregation]]) -> bool:
        return self.interval == interval and self.measures == measures


def parse_state(data: Any) -> AggregatorState:
    """`data` (from `export_state()`, possibly through JSON) validated, or `StateFormatError`."""
    try:
        return AggregatorState.model_validate(data)
    except ValidationError as error:
        raise StateFormatError(
            f"not interval aggregator state: {describe_validation_error(error)}"
        ) from error
