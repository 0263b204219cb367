"""A dataset's drift settings: whether drift is watched, the rules, and what actions need."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from streams.drift.drift_monitor import DriftMonitorSettings
from streams.drift.drift_rules import DriftRuleSettings

__all__ = ["DriftConfig"]


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
    retrain_points: int | None = Field(
        default=None,
        ge=20,
        le=100_000,
        description="Recent points kept per series for a retrain (default: the detector's "
        "warm-up, so a retrained model scores at once). Memory: 8 bytes per measure each.",
    )
    rollback_margin_points: int = Field(
        default=100,
        ge=0,
        description="A rollback restores the newest snapshot at least this many points older "
        "than the live model: one taken before the drift was detected.",
    )
