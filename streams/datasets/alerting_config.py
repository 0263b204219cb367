"""A dataset's alerting: how its anomalies become incidents, and when an incident is sent.

Durations are written as in the rest of a dataset ("90s", "5m", "1h", "1d") and stored in one
spelling, so equal settings hash equally. `group_wait` is wall-clock time (how long the worker
waits for the rest of an interval's anomalies, which come from several partitions); every other
duration is event time.
"""

from __future__ import annotations

from typing import Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dexwatch.schemas.metric_event import DimensionName
from dexwatch.streams.datasets.durations import format_duration, parse_duration
from dexwatch.streams.datasets.maintenance_window import MaintenanceWindow

__all__ = [
    "TOKEN",
    "AlertingConfig",
    "ConfirmationConfig",
    "FeedbackConfig",
]

TOKEN = "token"  # a relation derived from `token_dimension`: "CRV-WETH" relates by CRV and WETH
_DAY = 86_400
_MAX_GROUP_WAIT = 600
# Events scored one by one arrive at their own pace: a quarter of an hour without one of the
# incident's anomalies, by default, before it is called resolved.
_NONE_RESOLVE_AFTER = 900
# (shortest, longest) of each duration, in seconds
_DURATION_BOUNDS = {
    "group_window": (1, _DAY),
    "group_wait": (0, _MAX_GROUP_WAIT),
    "resolve_after": (1, 30 * _DAY),
    "cooldown": (0, 30 * _DAY),
}


def _normalised(value: str, low: int, high: int) -> str:
    seconds = parse_duration(value)
    if not low <= seconds <= high:
        raise ValueError(f"{value!r} is outside {format_duration(low)}..{format_duration(high)}")
    return format_duration(seconds)


class ConfirmationConfig(BaseModel):
    """Alert on a series only when `n` of its last `m` intervals were anomalous."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int = Field(default=1, ge=1, le=1000)
    m: int = Field(default=1, ge=1, le=1000)

    @model_validator(mode="after")
    def _n_of_m(self) -> Self:
        if self.n > self.m:
            raise ValueError(f"n={self.n} is more than m={self.m}: no series could ever alert")
        return self


class FeedbackConfig(BaseModel):
    """What one verdict does to the severity its series and measures need to alert."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: int = Field(
        default=60,
        ge=1,
        le=100,
        description="Added by 'not relevant', taken off by 'relevant'.",
    )
    max_offset: int = Field(default=100, ge=1, le=100, description="The offset's bound, +/-.")
    half_life: str = Field(default="7d", description="Event time for the offset to halve.")

    @field_validator("half_life")
    @classmethod
    def _check_half_life(cls, value: str) -> str:
        return _normalised(value, 60, 365 * _DAY)


class AlertingConfig(BaseModel):
    """Incidents of one dataset: grouping, thresholds, lifecycle, silences and feedback."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = Field(default=True, description="False: no incidents for this dataset.")
    min_severity: int = Field(
        default=50, ge=0, le=100, description="Anomalies below it never alert."
    )
    relate_by: tuple[DimensionName, ...] = Field(
        default=(TOKEN, "dex", "chain"),
        description="Anomalies of one interval sharing a value of one of these dimensions "
        "(or a token of `token_dimension`) are one incident. Dimensions a dataset does not "
        "have are skipped when this is left at its default.",
    )
    token_dimension: DimensionName = Field(
        default="pair", description="The dimension holding a pair, e.g. 'CRV-WETH'."
    )
    token_separator: str = Field(default="-", min_length=1, max_length=3)
    group_window: str | None = Field(
        default=None,
        description="Anomalies whose intervals start in one window are grouped together; "
        "default: the dataset's interval (1m for interval 'none').",
    )
    group_wait: str = Field(
        default="2s",
        description="Wall-clock wait for the rest of a window's anomalies before sending.",
    )
    resolve_after: str | None = Field(
        default=None,
        description="An incident resolves when its series had no anomaly for this long "
        "(event time); default: two group windows (15m for interval 'none').",
    )
    cooldown: str = Field(
        default="0s",
        description="After a resolution, no new incident for the same group or series "
        "within this (event time).",
    )
    confirm: ConfirmationConfig = Field(default_factory=ConfirmationConfig)
    max_contributors: int = Field(
        default=20, ge=1, le=200, description="Contributors listed on an incident event."
    )
    maintenance: tuple[MaintenanceWindow, ...] = Field(
        default=(), description="UTC windows in which nothing is sent."
    )
    feedback: FeedbackConfig = Field(default_factory=FeedbackConfig)

    @field_validator("relate_by")
    @classmethod
    def _unique_relations(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a dimension is named twice")
        return value

    @field_validator("group_window", "group_wait", "resolve_after", "cooldown")
    @classmethod
    def _check_duration(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        low, high = _DURATION_BOUNDS[str(info.field_name)]
        return _normalised(value, low, high)

    def group_window_seconds(self, interval_seconds: int | None) -> int:
        """The grouping window: as configured, else the interval, else one minute."""
        if self.group_window is not None:
            return parse_duration(self.group_window)
        return interval_seconds or 60

    def resolve_after_seconds(self, interval_seconds: int | None) -> int:
        if self.resolve_after is not None:
            return parse_duration(self.resolve_after)
        twice = 2 * self.group_window_seconds(interval_seconds)
        return twice if interval_seconds is not None else max(twice, _NONE_RESOLVE_AFTER)

    @property
    def group_wait_seconds(self) -> int:
        return parse_duration(self.group_wait)

    @property
    def cooldown_seconds(self) -> int:
        return parse_duration(self.cooldown)
