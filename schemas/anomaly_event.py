"""The anomaly event: one anomalous series-interval, published on the anomalies topic."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dexwatch.schemas.metric_event import DimensionName, DimensionValue, UtcDatetime
from dexwatch.schemas.stable_ids import stable_id, utc_text

__all__ = [
    "ANOMALY_KINDS",
    "AnomalyEvent",
    "AnomalyKind",
    "ContributionName",
    "MeasureContribution",
    "SourceOffsets",
    "anomaly_id",
]

# Fixed namespace: anomaly ids must be identical across processes, restarts and machines.
_ANOMALY_NAMESPACE = uuid.UUID("3f6b1d2e-8a4c-5e7f-9b0d-1c2e3f4a5b6c")

Finite = Annotated[float, Field(allow_inf_nan=False)]

AnomalyKind = Literal["anomaly", "no_data"]
ANOMALY_KINDS: tuple[AnomalyKind, ...] = ("anomaly", "no_data")


def anomaly_id(dataset: str, series: str, interval_start: datetime, detector_version: str) -> str:
    """A deterministic id: the same series-interval scored by the same detector gets the same id.

    Sinks send it as an idempotency key, so a replay after a crash is not a second alert.
    """
    start = utc_text(interval_start, "interval_start")
    return stable_id(_ANOMALY_NAMESPACE, dataset, series, start, detector_version)


# A measure, or a ratio of two that the model watches (`detector.ratios`): `volume_usd/tvl_usd`.
_CONTRIBUTION_NAME = r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}(/[A-Za-z_][A-Za-z0-9_.\-]{0,63})?$"
ContributionName = Annotated[str, Field(pattern=_CONTRIBUTION_NAME)]


class MeasureContribution(BaseModel):
    """One measure (or ratio of two) that moved, with the band the model (or a dataset's rule)
    expected it in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: ContributionName
    value: Finite
    expected_low: Finite
    expected_high: Finite
    deviation: Finite = Field(description="Signed distance from the band's centre, in band widths.")
    rule: str | None = Field(
        default=None,
        description="The dataset's rule (or named detector) that judged it, e.g. `threshold`; "
        "absent: the model. A rule's band is its own and its deviation its signed score (0..1).",
    )


class SourceOffsets(BaseModel):
    """The input records an anomaly came from: one partition's lowest and highest offsets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: str = Field(min_length=1)
    partition: int = Field(ge=0)
    first: int = Field(ge=0)
    last: int = Field(ge=0)


class AnomalyEvent(BaseModel):
    """An anomalous series-interval. Key on the topic: the series key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    anomaly_id: str = Field(description="Deterministic: see `anomaly_id()`.")
    dataset: str = Field(min_length=1, max_length=200)
    series: str = Field(
        description="The series key: dimensions sorted by name, `name=value` joined by `,`; "
        "`\\`, `,` and `=` inside values are escaped with `\\`."
    )
    dimensions: dict[DimensionName, DimensionValue]
    interval_start: UtcDatetime
    interval_end: UtcDatetime
    score: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    severity: Annotated[int, Field(ge=0, le=100)]
    measures: list[MeasureContribution] = Field(
        description="The measures that moved most, largest first (none for `no_data`)."
    )
    detector_version: str = Field(min_length=1, max_length=100)
    detected_at: UtcDatetime
    kind: AnomalyKind = Field(description="`no_data`: the series sent nothing for the interval.")
    explanation: str = Field(max_length=2000, description="One line, for people.")
    config_hash: str = Field(max_length=128, description="The dataset's config, hashed.")
    model_snapshot_version: int = Field(
        ge=0, description="Snapshots taken of this series' model so far (0: none yet)."
    )
    source_offsets: list[SourceOffsets] = Field(
        description="The input records behind the interval, per partition."
    )

    @model_validator(mode="after")
    def _interval_in_order(self) -> Self:
        if self.interval_end < self.interval_start:
            raise ValueError("interval_end is before interval_start")
        if self.kind == "anomaly" and not self.measures:
            raise ValueError("an anomaly names at least one measure that moved")
        return self
