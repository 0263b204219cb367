"""The metric event: what producers send to a metrics topic, one point of one series."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
)

from dexwatch.schemas.epoch_time import epoch_seconds_by_magnitude

__all__ = [
    "DimensionName",
    "EventTime",
    "MeasureName",
    "MeasureValue",
    "MetricEvent",
    "UtcDatetime",
    "series_key",
]

_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$"

DimensionName = Annotated[str, Field(pattern=_NAME_PATTERN)]
MeasureName = Annotated[str, Field(pattern=_NAME_PATTERN)]
# Strict: a measure given as the string "12" or as `true` is a producer bug, not a number.
MeasureValue = Annotated[float, Strict(), Field(allow_inf_nan=False)]
DimensionValue = Annotated[str, Strict(), Field(min_length=1, max_length=256)]


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("out of range once converted to UTC") from error


# Aware on the way in, UTC once validated: JSON offsets are whole minutes, UTC needs none.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


def _unix_by_magnitude(value: object) -> object:
    """A Unix number in s, ms, us or ns, its unit read from its size (`schemas/epoch_time.py`,
    as the backtest reads files): pydantic's own reading switches to ms at 2e10 and refuses
    us and ns, so the same number would mean two times in two places."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    try:
        seconds, _unit = epoch_seconds_by_magnitude(float(value))
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise ValueError(f"Unix time {value!r} is out of range") from error


EventTime = Annotated[UtcDatetime, BeforeValidator(_unix_by_magnitude)]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def series_key(dimensions: dict[str, str]) -> str:
    """The stable identity of a series: its dimensions sorted by name, `name=value` joined by `,`.

    An event without dimensions belongs to the single series `""`.
    """
    return ",".join(f"{name}={_escape(dimensions[name])}" for name in sorted(dimensions))


class MetricEvent(BaseModel):
    """One observation of one series at one event time.

    JSON example::

        {"event_time": "2026-01-01T12:00:00Z", "source": "simulator",
         "dimensions": {"chain": "ethereum", "dex": "uniswap-v3", "pool": "0x88e6..."},
         "measures": {"tvl_usd": 1.2e8, "volume_usd": 3.4e6, "fees_usd": 1700.0, "tx_count": 412}}

    `event_time` takes ISO 8601 with a UTC offset, or a Unix time in seconds, milliseconds,
    microseconds or nanoseconds, the unit read from the number's size (below 1e11: seconds,
    1e14: ms, 1e17: us, else ns).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    event_time: EventTime = Field(description="When the observation happened (not sent).")
    source: str = Field(min_length=1, max_length=200, description="Who produced the event.")
    dimensions: dict[DimensionName, DimensionValue] = Field(
        default_factory=dict,
        max_length=32,
        description="What the observation is about; each distinct combination is a series.",
    )
    measures: dict[MeasureName, MeasureValue] = Field(
        min_length=1, max_length=64, description="The observed numbers, finite."
    )
    event_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Optional producer-side id, kept for tracing and de-duplication.",
    )

    @property
    def series_key(self) -> str:
        return series_key(self.dimensions)
