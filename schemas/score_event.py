"""The score event: one scored interval of one series, for drawing it with its expected band.

The worker writes one per scored interval of the datasets that ask (`publish_scores`) to the
scores topic, keyed by the series key. Compact on purpose: no explanation, no offsets.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dexwatch.schemas.metric_event import MeasureName, UtcDatetime

__all__ = ["ScoreEvent"]

Finite = Annotated[float, Field(allow_inf_nan=False)]


class ScoreEvent(BaseModel):
    """A series' value per measure at one interval, the band its model expected, its score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str = Field(min_length=1, max_length=200)
    series: str = Field(description="The series key, as in the anomaly event.")
    interval_start: UtcDatetime
    values: dict[MeasureName, Finite] = Field(min_length=1, description="The values scored.")
    bands: dict[MeasureName, tuple[Finite, Finite]] = Field(
        default_factory=dict,
        description="Per measure, the level band [low, high] the model expected the value in; "
        "absent while the model has none yet (warming up).",
    )
    score: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    severity: Annotated[int, Field(ge=0, le=100)]
    anomaly: bool = Field(description="The interval was an anomaly (see the anomalies topic).")
