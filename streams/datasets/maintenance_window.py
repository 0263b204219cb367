"""A maintenance window of a dataset's alerting: when nothing is sent, in UTC.

Either one-off (`start` and `end`, ISO 8601 with an offset) or weekly (`days`, `at` a UTC
time of day, and a `duration`, which may run past midnight or into the next week).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from dexwatch.streams.datasets.durations import format_duration, parse_duration

__all__ = ["WEEKDAYS", "MaintenanceWindow", "Weekday", "in_maintenance"]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK_SECONDS = 7 * 86_400


class MaintenanceWindow(BaseModel):
    """`{start, end}` once, or `{days, at, duration}` every week (UTC)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    days: tuple[Weekday, ...] | None = Field(default=None, min_length=1)
    at: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] | None = Field(
        default=None, description="UTC time of day the weekly window starts, 'HH:MM'."
    )
    duration: str | None = Field(default=None, description="How long a weekly window lasts.")

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    @field_validator("duration")
    @classmethod
    def _check_duration(cls, value: str | None) -> str | None:
        if value is None:
            return None
        seconds = parse_duration(value)
        if not 0 < seconds <= _WEEK_SECONDS:
            raise ValueError(f"{value!r} is outside 1s..7d")
        return format_duration(seconds)

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        once = (self.start, self.end)
        weekly = (self.days, self.at, self.duration)
        if self.start is not None and self.end is not None and weekly == (None, None, None):
            if self.end <= self.start:
                raise ValueError("end must be after start")
            return self
        if None not in weekly and once == (None, None):
            return self
        raise ValueError(
            "a window is either {start, end} (once) or {days, at, duration} (weekly, UTC)"
        )

    def contains(self, moment: datetime) -> bool:
        """Whether `moment` (timezone-aware) falls in this window (start included, end not)."""
        if self.start is not None and self.end is not None:
            return self.start <= moment < self.end
        if self.days is None or self.at is None or self.duration is None:
            return False  # not reached: validation allows only the two kinds
        utc = moment.astimezone(UTC)
        into_week = utc.weekday() * 86_400 + utc.hour * 3600 + utc.minute * 60 + utc.second
        hours, minutes = (int(part) for part in self.at.split(":"))
        length = parse_duration(self.duration)
        for day in self.days:
            opens = WEEKDAYS.index(day) * 86_400 + hours * 3600 + minutes * 60
            if (into_week - opens) % _WEEK_SECONDS < length:
                return True
        return False


def in_maintenance(windows: tuple[MaintenanceWindow, ...], moment: datetime) -> bool:
    return any(window.contains(moment) for window in windows)
