"""How well a backtest run did against labels: precision, recall, F1 and the NAB scores.

A run is recorded compactly while it streams (a float and a few bytes per row), so a long file
can be evaluated without keeping its rows.

- NAB windows (`windows.json`): classification is event-wise over windows, on rows after NAB's
  probationary period (see `detectors.evaluation.classification`); NAB's threshold is optimised
  over this one file.
- A 0/1 label column: classification is point-wise, on rows that were scored and whose label
  reads as 0 or 1; for NAB, each run of rows labelled 1 is a window.

Classification uses the model's own alerts (`Verdict.is_anomaly`, the configured alert
threshold); NAB uses the scores, at its own optimised threshold.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from dexwatch.detectors.backtest import BacktestRow
from dexwatch.detectors.evaluation.classification import (
    Classification,
    point_classification,
    window_classification,
)
from dexwatch.detectors.evaluation.labels import (
    LabelError,
    TimeWindow,
    WindowLocator,
    parse_label,
    windows_from_points,
)
from dexwatch.detectors.evaluation.nab_score import (
    PROFILES,
    NabFile,
    NabResult,
    probationary_rows,
    score_corpus,
)

__all__ = ["Evaluation", "LabelSpec", "RunRecord"]

_UNKNOWN_LABEL = 2


@dataclass(frozen=True, slots=True)
class LabelSpec:
    """Where the labels come from: NAB windows (with the key they were found under) or a column.

    Exactly one of `windows` and `column` is set.
    """

    name: str
    windows: tuple[TimeWindow, ...] | None = None
    column: str | None = None

    def __post_init__(self) -> None:
        if (self.windows is None) == (self.column is None):
            raise LabelError("labels are either NAB windows or a 0/1 column, not both or neither")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome: classification (with what it counted) and NAB per profile."""

    classification: Classification
    basis: str
    windows: int
    nab: dict[str, NabResult]
    bad_labels: int


class RunRecord:
    """Per-row score, alert, whether scored, and label, collected as rows stream by."""

    def __init__(self, labels: LabelSpec | None = None) -> None:
        self.labels = labels
        self.scores: array[float] = array("d")
        self.alerts = bytearray()
        self.scored = bytearray()
        self.point_labels = bytearray()
        self.bad_labels = 0
        self.first_bad_label: str | None = None
        self._locator = (
            WindowLocator(labels.windows)
            if labels is not None and labels.windows is not None
            else None
        )

    def add(self, row: BacktestRow) -> None:
        """Record the next row (rows must be added in file order). Carried[0] is the label."""
        index = len(self.scores)
        self.scores.append(row.score)
        self.alerts.append(row.is_anomaly)
        self.scored.append(row.verdict is not None)
        if self._locator is not None:
            self._locator.see(index, row.time)
        elif self.labels is not None:
            try:
                self.point_labels.append(parse_label(row.carried[0]))
            except LabelError as error:
                self.point_labels.append(_UNKNOWN_LABEL)
                self.bad_labels += 1
                if self.first_bad_label is None:
                    self.first_bad_label = f"line {row.line}: {error}"

    def evaluate(self) -> Evaluation:
        """Precision, recall, F1 and NAB for the three profiles; needs labels."""
        if self.labels is None:
            raise LabelError("no labels to evaluate against")
        alerts = [bool(alert) for alert in self.alerts]
        if self._locator is not None:
            windows = self._locator.rows()
            first_row = probationary_rows(len(self.scores))
            classification = window_classification(alerts, windows, first_row)
            basis = (
                f"event-wise over {len(windows)} window(s), {classification.detections} "
                f"alert(s) after the first {first_row} (probationary) rows"
            )
        else:
            usable = [
                row
                for row, label in enumerate(self.point_labels)
                if label != _UNKNOWN_LABEL and self.scored[row]
            ]
            classification = point_classification(
                [alerts[row] for row in usable], [self.point_labels[row] == 1 for row in usable]
            )
            windows = windows_from_points([label == 1 for label in self.point_labels])
            basis = f"point-wise over {len(usable)} scored, labelled row(s)"
        file = NabFile(self.labels.name, self.scores, windows)
        nab = {name: score_corpus([file], profile) for name, profile in PROFILES.items()}
        return Evaluation(classification, basis, len(windows), nab, self.bad_labels)
