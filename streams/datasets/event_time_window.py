"""Which event times a dataset takes: a window from a fixed earliest time to a little past now.

A clock that is off by years, or a test value such as 9999-12-31, is not an observation: scored,
it would move the series' event time (and its intervals, hour-of-week slots and watermark) to
a place no real event reaches, and later stages fail on dates past year 9999. Such events are
dead-lettered (`time_out_of_range`) instead. "Now" is the worker's clock when a batch starts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dexwatch.schemas.metric_event import UtcDatetime
from dexwatch.streams.datasets.durations import format_duration, parse_duration
from dexwatch.streams.datasets.rejection import TIME_OUT_OF_RANGE, Rejection

__all__ = ["EventTimeWindow"]

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_AHEAD_DAYS = 3_650


class EventTimeWindow(BaseModel):
    """Event times from `earliest` to `max_ahead` past now are taken; others are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    earliest: UtcDatetime = Field(
        default=UNIX_EPOCH, description="The earliest event time taken (ISO 8601 with offset)."
    )
    max_ahead: str = Field(
        default="1d", description="How far past the worker's clock an event time may be ('1d')."
    )

    @field_validator("max_ahead")
    @classmethod
    def _check_ahead(cls, value: str) -> str:
        seconds = parse_duration(value)
        if seconds > MAX_AHEAD_DAYS * 86_400:
            raise ValueError(f"{value!r} is over {MAX_AHEAD_DAYS}d")
        return format_duration(seconds)

    def bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """The first and last event time taken, for a batch that starts at `now`."""
        return self.earliest, now + timedelta(seconds=parse_duration(self.max_ahead))

    def refusal(self, event_time: datetime, bounds: tuple[datetime, datetime]) -> Rejection | None:
        """Why `event_time` is not taken (None: it is), for `bounds` from `bounds(now)`."""
        earliest, latest = bounds
        if earliest <= event_time <= latest:
            return None
        return Rejection(
            TIME_OUT_OF_RANGE,
            f"event time {event_time.isoformat()} is outside {earliest.isoformat()} .. "
            f"{latest.isoformat()} (now + {self.max_ahead}); see the dataset's event_times",
        )
