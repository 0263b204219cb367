"""Precision, recall and F1 of a detector's alerts, against labelled windows or 0/1 labels.

Two definitions, because the two kinds of label say different things:

- **Windows** (NAB style: a labelled stretch around each anomaly). Recall is event-wise: the
  share of windows with at least one detection. Precision is the share of detections that fall
  inside a window. A detector is not rewarded for firing many times in one window (recall), nor
  is a window's width held against it (precision counts detections, not rows).
- **Points** (a 0/1 label per row). Classic point-wise counts: a true positive is a detected row
  labelled 1; precision = TP / detections, recall = TP / rows labelled 1.

Only the rows the caller passes are counted (e.g. rows after NAB's probationary period). A ratio
whose denominator is zero (no detections, no positives) is reported as 0.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dexwatch.detectors.evaluation.labels import LabelError

__all__ = ["Classification", "detections_at", "point_classification", "window_classification"]


@dataclass(frozen=True, slots=True)
class Classification:
    """Counts and the three ratios. For windows, `positives` counts windows, not rows."""

    true_positives: int
    detections: int
    positives: int
    precision: float
    recall: float
    f1: float

    @classmethod
    def from_counts(
        cls, *, detections_correct: int, detections: int, positives_found: int, positives: int
    ) -> Classification:
        precision = detections_correct / detections if detections else 0.0
        recall = positives_found / positives if positives else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(positives_found, detections, positives, precision, recall, f1)


def detections_at(scores: Sequence[float], threshold: float) -> list[bool]:
    """Which rows are detections at `score >= threshold`."""
    return [score >= threshold for score in scores]


def window_classification(
    detected: Sequence[bool], windows: Sequence[tuple[int, int]], first_row: int = 0
) -> Classification:
    """Event-wise recall over `windows` (inclusive row ranges), precision over detections.

    Rows before `first_row` are ignored, both as detections and as parts of windows; a window
    that lies wholly before it still counts, as missed.
    """
    inside = [False] * len(detected)
    found = 0
    for first, last in windows:
        start = max(first, first_row)
        for row in range(start, last + 1):
            inside[row] = True
        if any(detected[start : last + 1]):
            found += 1
    rows = range(first_row, len(detected))
    detections = sum(1 for row in rows if detected[row])
    correct = sum(1 for row in rows if detected[row] and inside[row])
    return Classification.from_counts(
        detections_correct=correct,
        detections=detections,
        positives_found=found,
        positives=len(windows),
    )


def point_classification(detected: Sequence[bool], labels: Sequence[bool]) -> Classification:
    """Point-wise precision and recall of `detected` against a 0/1 label per row."""
    if len(detected) != len(labels):
        raise LabelError(f"{len(detected)} detections but {len(labels)} labels")
    true_positives = sum(1 for hit, label in zip(detected, labels, strict=True) if hit and label)
    return Classification.from_counts(
        detections_correct=true_positives,
        detections=sum(1 for hit in detected if hit),
        positives_found=true_positives,
        positives=sum(1 for label in labels if label),
    )
