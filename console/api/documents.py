"""The JSON bodies of the API, as pydantic models: the OpenAPI document is generated from them.

Lists are `{"items": [...], "next_cursor": "..."}`, newest first; `next_cursor` is absent on the
last page. Stored events are served as the topics carry them (`schemas/`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dexwatch.schemas.anomaly_event import AnomalyEvent
from dexwatch.schemas.feedback import FeedbackEvent
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.incident_control import IncidentControl
from dexwatch.schemas.model_action import ModelActionEvent

__all__ = [
    "AcknowledgeRequest",
    "AnomalyList",
    "BacktestAnomaly",
    "BacktestJob",
    "BacktestJobList",
    "ControlState",
    "DatasetList",
    "DatasetSummary",
    "ErrorBody",
    "FeedbackAccepted",
    "FeedbackRequest",
    "Health",
    "IncidentList",
    "IncidentView",
    "ModelActionList",
    "SeriesList",
    "SeriesPoint",
    "SeriesPoints",
    "SeriesSummary",
    "SnoozeRequest",
    "TopicBacktestRequest",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(_Body):
    error: str = Field(description="A short code: bad_parameter, unauthorized, forbidden, ...")
    detail: str = Field(description="What is wrong and what to do, for people.")
    parameter: str | None = Field(default=None, description="The bad parameter (400).")


class Health(_Body):
    status: Literal["ok"]
    caught_up: bool = Field(
        description="The store has read the topics as far as they were at start."
    )


class DatasetSummary(_Body):
    dataset: str
    series: int
    anomalies: int
    open_incidents: int
    newest: datetime = Field(description="The newest event time stored for it.")


class DatasetList(_Body):
    items: list[DatasetSummary]


class AnomalyList(_Body):
    items: list[AnomalyEvent]
    next_cursor: str | None = None


class IncidentList(_Body):
    items: list[IncidentEvent] = Field(description="Each incident's latest version.")
    next_cursor: str | None = None


class IncidentView(_Body):
    incident: IncidentEvent = Field(description="The latest version.")
    versions: list[IncidentEvent] = Field(description="Every version kept, oldest first.")
    control: IncidentControl | None = Field(description="Acknowledged or snoozed; None: neither.")
    feedback: list[FeedbackEvent]


class ModelActionList(_Body):
    items: list[ModelActionEvent]
    next_cursor: str | None = None


class SeriesSummary(_Body):
    series: str
    last: datetime = Field(description="Its newest point or anomaly.")


class SeriesList(_Body):
    dataset: str
    items: list[SeriesSummary]
    next_cursor: str | None = None


Band = Annotated[list[float], Field(min_length=2, max_length=2)]


class SeriesPoint(_Body):
    t: int = Field(description="The interval's start, Unix milliseconds (UTC).")
    values: dict[str, float]
    bands: dict[str, Band] = Field(description="Per measure [low, high]; absent while warming.")
    score: float
    severity: int
    anomaly: bool


class SeriesPoints(_Body):
    dataset: str
    series: str
    points: list[SeriesPoint] = Field(description="The latest `limit` of the range, oldest first.")


class FeedbackRequest(_Body):
    verdict: Literal["relevant", "not_relevant"]
    note: str | None = Field(default=None, min_length=1, max_length=2000)


class FeedbackAccepted(_Body):
    feedback: FeedbackEvent = Field(description="As written to the feedback topic.")
    topic: str


class AcknowledgeRequest(_Body):
    note: str | None = Field(default=None, min_length=1, max_length=2000)


class SnoozeRequest(_Body):
    duration: str = Field(
        description="How long: `90s`, `30m`, `4h`, `2d` (at most 30 days).",
        pattern=r"^[1-9][0-9]{0,6}[smhd]$",
    )
    note: str | None = Field(default=None, min_length=1, max_length=2000)


class ControlState(_Body):
    control: IncidentControl | None = Field(description="As written to the controls topic.")
    topic: str


class BacktestAnomaly(_Body):
    time: str
    series: str
    score: float
    severity: int
    explanation: str


class BacktestJob(_Body):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    dataset: str | None
    submitted_at: datetime
    finished_at: datetime | None = None
    rows_scored: int = 0
    rows_refused: int = 0
    anomalies_found: int = 0
    anomalies: list[BacktestAnomaly] = Field(
        default_factory=list, description="The first 1,000 anomalies, in file order."
    )
    error: str | None = None


class BacktestJobList(_Body):
    items: list[BacktestJob] = Field(description="The last 100 jobs, newest first.")


class TopicBacktestRequest(_Body):
    topic: str = Field(pattern=r"^[A-Za-z0-9._\-]{1,249}$", description="The topic to replay.")
    from_offset: int | None = Field(default=None, ge=0, description="Every partition from N.")
    from_time: datetime | None = Field(
        default=None, description="Every partition from its first record stamped then or later."
    )
    dataset: str | None = Field(default=None, description="Only this dataset's rows.")
