"""The interval aggregator's open state as plain, versioned data (JSON-ready, never pickled).

Only what is still open travels: buckets of unclosed intervals, the series records and the
clocks. State is refused (`StateFormatError`) when its version is unknown or its measure
layout (interval, measure names and aggregations) differs from the dataset it is loaded into.

Format 2 keeps event time per series (`series_clocks`). Format 1 kept one watermark for the
whole dataset; it is still read: every series it knew starts closed to that watermark and
heard at its newest event time, which is what format 1 meant for each of them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import StateFormatError
from dexwatch.streams.datasets.measure_spec import Aggregation

__all__ = [
    "FORMAT_VERSION",
    "READABLE_VERSIONS",
    "AggregatorState",
    "BucketState",
    "SeriesState",
    "parse_state",
]

FORMAT_VERSION: Literal[2] = 2
READABLE_VERSIONS = (1, 2)


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
    # The series' event time (format 2): newest event, watermark, frontier when last heard
    # from; absent for a series admitted but never timed.
    max_us: int | None = None
    closed_us: int | None = None
    heard_us: int | None = None
    idle: bool = False


class AggregatorState(_Plain):
    format_version: Literal[2] = FORMAT_VERSION
    dataset: str
    interval: str
    measures: list[tuple[str, Aggregation]]
    frontier_us: int | None
    series: dict[str, SeriesState]
    buckets: list[BucketState]

    def layout_matches(self, interval: str, measures: list[tuple[str, Aggregation]]) -> bool:
        return self.interval == interval and self.measures == measures


class _SeriesStateV1(_Plain):
    dimensions: dict[str, str]
    last_data_us: int | None = None
    missing: int = Field(default=0, ge=0)


class _AggregatorStateV1(_Plain):
    """Format 1: one watermark (`closed_until_us`) for every series of the dataset."""

    format_version: Literal[1]
    dataset: str
    interval: str
    measures: list[tuple[str, Aggregation]]
    max_time_us: int | None
    closed_until_us: int | None
    series: dict[str, _SeriesStateV1]
    buckets: list[BucketState]

    def upgraded(self) -> AggregatorState:
        timed = self.max_time_us is not None and self.closed_until_us is not None
        return AggregatorState(
            dataset=self.dataset,
            interval=self.interval,
            measures=self.measures,
            frontier_us=self.max_time_us,
            series={
                series: SeriesState(
                    **item.model_dump(),
                    max_us=self.max_time_us if timed else None,
                    closed_us=self.closed_until_us if timed else None,
                    heard_us=self.max_time_us if timed else None,
                )
                for series, item in self.series.items()
            },
            buckets=self.buckets,
        )


def parse_state(data: Any) -> AggregatorState:
    """`data` (from `export_state()`, possibly through JSON, format 1 or 2) validated, or
    `StateFormatError`."""
    version = data.get("format_version") if isinstance(data, dict) else None
    if version not in READABLE_VERSIONS:
        raise StateFormatError(
            f"not interval aggregator state this dexwatch reads: format_version {version!r}, "
            f"expected one of {list(READABLE_VERSIONS)}"
        )
    try:
        if version == 1:
            return _AggregatorStateV1.model_validate(data).upgraded()
        return AggregatorState.model_validate(data)
    except ValidationError as error:
        raise StateFormatError(
            f"not interval aggregator state: {describe_validation_error(error)}"
        ) from error
