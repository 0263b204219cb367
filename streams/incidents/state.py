"""The incident state of one dataset, as it is kept in the worker's changelog-backed table.

Plain JSON through pydantic, versioned (`format_version`), never pickled: it survives restarts
and rebalances, and a state written by an unknown version is refused, not guessed at. This
module is the one place that (de)serialises it. Version 2 added `bands`; a version 1 state is
read as one with none (a worker of version 1 refuses a version 2 state, naming the version).
"""

from __future__ import annotations

from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dexwatch.schemas.anomaly_event import AnomalyEvent, AnomalyKind
from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import StateFormatError
from dexwatch.schemas.incident import IncidentFeedback
from dexwatch.schemas.metric_event import UtcDatetime

__all__ = [
    "STATE_FORMAT_VERSION",
    "AlertState",
    "BandEntry",
    "ContributorRecord",
    "IncidentRecord",
    "PendingWindow",
    "TargetOffset",
    "decode_state",
    "encode_state",
    "target_key",
]

STATE_FORMAT_VERSION: Literal[2] = 2
_READABLE_VERSIONS = (1, 2)
_TARGET_SEPARATOR = "\x1f"  # never in a series key's text nor in a measure name


def target_key(series: str, measure: str | None) -> str:
    """One series-measure (`None`: the series' no-data signal) as a state key."""
    return f"{series}{_TARGET_SEPARATOR}{measure or ''}"


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContributorRecord(_State):
    """One series-measure of an incident, at its strongest so far."""

    series: str
    dimensions: dict[str, str]
    measure: str | None
    kind: AnomalyKind
    value: float | None = None
    expected_low: float | None = None
    expected_high: float | None = None
    deviation: float | None = None
    severity: int
    anomaly_id: str
    interval_start: UtcDatetime
    offset: float = Field(default=0.0, description="The feedback offset it had to clear.")

    @property
    def target(self) -> str:
        return target_key(self.series, self.measure)

    @property
    def weight(self) -> float:
        """Severity times the distance from the band (no data: one band width)."""
        distance = abs(self.deviation) if self.deviation is not None else 1.0
        return self.severity / 100.0 * distance


class IncidentRecord(_State):
    """An incident this dataset holds: open, or resolved and kept a while (cooldown, feedback,
    replays)."""

    incident_id: str
    group_key: str
    version: int = Field(default=0, description="The last version sent (0: none yet).")
    first_interval_start: UtcDatetime
    interval_start: UtcDatetime
    interval_end: UtcDatetime
    last_arrival: float = Field(
        description="Wall clock (Unix s) when its latest anomaly was judged."
    )
    resolved_at: UtcDatetime | None = None
    contributors: list[ContributorRecord]
    contributor_count: int = Field(
        default=0,
        description="Series-measures that contributed, tracked or not (the tracked ones are "
        "bounded); exact while under the bound, then the most seen at once. 0: not counted "
        "(a state written before the bound; read as the tracked ones).",
    )
    anomaly_ids: list[str]
    feedback: list[IncidentFeedback] = Field(default_factory=list)
    dirty: bool = Field(default=True, description="Changed since the last version sent.")

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def series(self) -> set[str]:
        return {contributor.series for contributor in self.contributors}


class PendingWindow(_State):
    """Anomalies of one group window, waiting out `group_wait` for the rest of them."""

    start: UtcDatetime
    first_arrival: float = Field(description="Wall clock of its first anomaly (Unix s).")
    anomalies: list[AnomalyEvent]


class TargetOffset(_State):
    """A series-measure's feedback offset, as of an event time (it decays from there)."""

    offset: float
    as_of: UtcDatetime


class BandEntry(_State):
    """A series' latest band status (`band_status.py`): outside its band, or back inside."""

    out: bool
    at: UtcDatetime = Field(description="The interval end the status is of.")
    since: UtcDatetime = Field(description="Out: when first heard out; in: back inside since.")
    arrival: float = Field(description="Wall clock (Unix s) of the latest status.")


class AlertState(_State):
    format_version: Literal[1, 2] = STATE_FORMAT_VERSION
    dataset: str
    clock: UtcDatetime | None = Field(default=None, description="Latest event time seen.")
    pending: list[PendingWindow] = Field(default_factory=list)
    incidents: list[IncidentRecord] = Field(default_factory=list)
    anomalous_windows: dict[str, list[int]] = Field(
        default_factory=dict, description="Per series, its recent anomalous windows (N-of-M)."
    )
    offsets: dict[str, TargetOffset] = Field(default_factory=dict)
    feedback_ids: list[str] = Field(default_factory=list, description="Recent, to drop repeats.")
    bands: dict[str, BandEntry] = Field(
        default_factory=dict, description="Per series, whether it is still outside its band."
    )


def encode_state(state: AlertState) -> bytes:
    return orjson.dumps(state.model_dump(mode="json", exclude_defaults=False))


def decode_state(payload: bytes) -> AlertState:
    """The state in `payload`; `StateFormatError` when it is not one this version can read."""
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise StateFormatError(f"incident state is not JSON: {error}") from error
    version = data.get("format_version") if isinstance(data, dict) else None
    if version not in _READABLE_VERSIONS:
        raise StateFormatError(
            f"incident state format_version {version!r}; this worker reads "
            f"{' and '.join(map(str, _READABLE_VERSIONS))}"
        )
    try:
        state = AlertState.model_validate(data)
        state.format_version = STATE_FORMAT_VERSION  # written back as the current version
        return state
    except ValidationError as error:
        raise StateFormatError(f"incident state: {describe_validation_error(error)}") from error
