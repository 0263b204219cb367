"""A dataset's drift settings: whether drift is watched, the rules, and what actions need."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dexwatch.streams.datasets.durations import format_duration, parse_duration
from dexwatch.streams.drift.monitor import DriftMonitorSettings
from dexwatch.streams.drift.rules import DriftRuleSettings

__all__ = ["DEFAULT_RETRAIN_POINTS", "DriftConfig"]

# Fixed, not the detector's warm-up (now 30 points): 600 is what the drift design was measured
# with, two days at 5 minutes or 25 days hourly, and 14 KB per series of two measures.
DEFAULT_RETRAIN_POINTS = 600
_MAX_HOLD_SECONDS = 30 * 86_400


class DriftConfig(BaseModel):
    """Per series: drift detectors on the measures and on the scores, rules, actions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool | None = Field(
        default=None,
        description="Default: on for interval datasets, off for `interval: none` (every event "
        "scored: the drift detectors would cost more than the model).",
    )
    rules: DriftRuleSettings = Field(default_factory=DriftRuleSettings)
    monitor: DriftMonitorSettings = Field(default_factory=DriftMonitorSettings)
    retrain_points: int = Field(
        default=DEFAULT_RETRAIN_POINTS,
        ge=20,
        le=100_000,
        description="Normal points kept per series for a retrain, which needs all of them. "
        "Memory: 8 bytes per measure and point, plus 8 for the time.",
    )
    rollback_margin_points: int = Field(
        default=100,
        ge=0,
        description="A rollback restores the newest snapshot at least this many points older "
        "than the live model: one taken before the drift was detected.",
    )
    hold_after_anomaly: str = Field(
        default="1d",
        description="No drift action while a series' last anomalous point is less than this "
        "old ('0s': only on the anomalous point itself). Depegs and their recoveries last "
        "hours to days: a day lets most of an episode pass before drift is acted on.",
    )

    @field_validator("hold_after_anomaly")
    @classmethod
    def _check_hold(cls, value: str) -> str:
        seconds = parse_duration(value)
        if seconds > _MAX_HOLD_SECONDS:
            raise ValueError(f"{value!r} is more than 30d")
        return format_duration(seconds)

    @property
    def hold_after_anomaly_seconds(self) -> int:
        return parse_duration(self.hold_after_anomaly)
