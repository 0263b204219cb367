"""Precision, recall and F1: event-wise for windows, point-wise for 0/1 labels."""

from __future__ import annotations

import pytest

from dexwatch.detectors.evaluation.classification import (
    Classification,
    detections_at,
    point_classification,
    window_classification,
)
from dexwatch.detectors.evaluation.labels import LabelError


def rows(n: int, *detected: int) -> list[bool]:
    return [row in detected for row in range(n)]


def test_windows_recall_is_event_wise_and_precision_counts_detections() -> None:
    # Window 1 found twice (counts once for recall), window 2 missed, one detection outside.
    result = window_classification(rows(60, 12, 15, 50), [(10, 19), (30, 39)])
    assert result.recall == 0.5
    assert result.precision == pytest.approx(2 / 3)
    assert result.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert (result.true_positives, result.detections, result.positives) == (1, 3, 2)


def test_window_ends_are_inclusive() -> None:
    assert window_classification(rows(40, 19), [(10, 19)]).recall == 1.0
    assert window_classification(rows(40, 20), [(10, 19)]).recall == 0.0


def test_rows_before_first_row_are_left_out() -> None:
    # The detection at row 5 is in the left-out rows: neither a hit nor a false alarm.
    result = window_classification(rows(40, 5, 25), [(3, 8), (24, 30)], first_row=10)
    assert result.detections == 1
    assert result.precision == 1.0
    assert result.recall == 0.5  # the first window lies before row 10 and counts as missed


def test_point_wise_counts() -> None:
    labels = rows(10, 2, 3, 4, 8)
    result = point_classification(rows(10, 3, 4, 6), labels)
    assert result.precision == pytest.approx(2 / 3)
    assert result.recall == 0.5
    assert result.f1 == pytest.approx(4 / 7)


def test_zero_denominators_give_zero_not_an_error() -> None:
    assert point_classification(rows(5), rows(5)) == Classification(0, 0, 0, 0.0, 0.0, 0.0)
    assert window_classification(rows(5, 1), []).f1 == 0.0


def test_lengths_must_match() -> None:
    with pytest.raises(LabelError, match="3 detections but 2 labels"):
        point_classification(rows(3), rows(2))


def test_detections_at_a_threshold_include_equal_scores() -> None:
    assert detections_at([0.1, 0.5, 0.9], 0.5) == [False, True, True]
