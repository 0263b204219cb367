"""Ground truth of injected anomalies: the kinds, one label per series, the labels file.

A labels file is JSON lines, one `InjectedAnomaly` per line (series, dimensions, kind, start,
end, shock_id), so that it can be appended to as a run goes and read with one `json.loads` a
line in any language. The window is half-open: a point is anomalous when `start <= time < end`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import DexwatchError

__all__ = [
    "ANOMALY_KINDS",
    "AnomalyKind",
    "InjectedAnomaly",
    "LabelsFileError",
    "read_labels",
    "write_labels",
]

AnomalyKind = Literal[
    "volume_burst",
    "liquidity_drain",
    "depeg",
    "fee_spike",
    "silent_pool",
    "multi_pool_shock",
]
ANOMALY_KINDS: tuple[AnomalyKind, ...] = get_args(AnomalyKind)


class LabelsFileError(DexwatchError, ValueError):
    """A labels file that cannot be read: the message names the file and the line."""


class InjectedAnomaly(BaseModel):
    """Ground truth: one injected anomaly on one series.

    The window is half-open: a point is anomalous exactly when `start <= event_time < end`.
    The labels of one `multi_pool_shock` share a `shock_id` (and their window); other kinds have
    none.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    series: str = Field(description="The series key, see `dexwatch.schemas.series_key`.")
    dimensions: dict[str, str]
    kind: AnomalyKind
    start: AwareDatetime
    end: AwareDatetime
    shock_id: str | None = Field(
        default=None, description="Shared by the labels of one shock across several pools."
    )

    def covers(self, series: str, event_time: AwareDatetime) -> bool:
        """Whether the point of `series` at `event_time` lies in this label's window."""
        return series == self.series and self.start <= event_time < self.end


def write_labels(path: Path, labels: Iterable[InjectedAnomaly]) -> int:
    """Write `labels` as JSON lines (parents created); returns how many were written."""
    lines = [label.model_dump_json() + "\n" for label in labels]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    return len(lines)


def read_labels(path: Path) -> list[InjectedAnomaly]:
    """The labels of a JSON lines file (blank lines passed over), or `LabelsFileError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LabelsFileError(f"cannot read labels {path}: {error}") from error
    labels = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            labels.append(InjectedAnomaly.model_validate_json(line))
        except ValidationError as error:
            problem = describe_validation_error(error)
            raise LabelsFileError(f"{path} line {number}: {problem}") from error
    return labels
