"""The NAB scorer pinned on hand-made cases whose answers are worked out from the rule itself."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dexwatch.detectors.evaluation.labels import LabelError
from dexwatch.detectors.evaluation.nab_score import (
    NO_DETECTION_THRESHOLD,
    PROFILES,
    NabFile,
    NabProfile,
    best_threshold,
    probationary_rows,
    scaled_sigmoid,
    score_at_threshold,
    score_corpus,
)

STANDARD = PROFILES["standard"]
LOW_FP = PROFILES["reward_low_FP_rate"]
LOW_FN = PROFILES["reward_low_FN_rate"]

# 100 rows: the first 15 are probationary.
N = 100


def detections(*rows: int, n: int = N, score: float = 1.0) -> list[float]:
    """Scores of a file with a detection (at any threshold up to `score`) at `rows` only."""
    scores = [0.0] * n
    for row in rows:
        scores[row] = score
    return scores


def test_scaled_sigmoid_check_figures() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661430, abs=5e-9)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(3.0) == pytest.approx(2 / (1 + math.exp(15)) - 1)
    assert scaled_sigmoid(3.0) != -1.0  # only strictly beyond 3 is it cut to -1
    assert scaled_sigmoid(3.000001) == -1.0
    assert scaled_sigmoid(1e6) == -1.0


def test_profiles_weights() -> None:
    assert NabProfile("standard", 1.0, 0.11, 1.0) == STANDARD
    assert NabProfile("reward_low_FP_rate", 1.0, 0.22, 1.0) == LOW_FP
    assert NabProfile("reward_low_FN_rate", 1.0, 0.11, 2.0) == LOW_FN


@pytest.mark.parametrize(
    ("n", "expected"), [(0, 0), (6, 0), (7, 1), (100, 15), (4032, 604), (5000, 750), (22695, 750)]
)
def test_probationary_period_is_15_percent_capped_at_750(n: int, expected: int) -> None:
    assert probationary_rows(n) == expected


def test_a_detection_at_a_windows_first_row_earns_exactly_tp() -> None:
    file = NabFile("a/one.csv", detections(40), [(40, 49)])
    result = score_at_threshold([file], STANDARD, 0.5)
    assert result.raw == 1.0
    assert result.normalised == 100.0
    assert result.per_file[0].detected_windows == 1
    assert result.per_file[0].false_positives == 0


def test_a_detection_at_a_windows_last_row_earns_almost_nothing() -> None:
    file = NabFile("a/one.csv", detections(49), [(40, 49)])
    expected = scaled_sigmoid(-1 / 10) / scaled_sigmoid(-1.0)
    assert score_at_threshold([file], STANDARD, 0.5).raw == pytest.approx(expected)
    assert 0 < expected < 0.26


def test_only_the_earliest_detection_in_a_window_counts() -> None:
    file = NabFile("a/one.csv", detections(42, 45, 49), [(40, 49)])
    result = score_at_threshold([file], STANDARD, 0.5)
    # Row 42 of [40, 49]: -(49 - 42 + 1) / 10 = -0.8; the later two add nothing, cost nothing.
    assert result.raw == pytest.approx(scaled_sigmoid(-0.8) / scaled_sigmoid(-1.0))
    assert result.per_file[0].false_positives == 0


def test_the_null_detector_scores_zero() -> None:
    files = [
        NabFile("a/one.csv", detections(), [(40, 49)]),
        NabFile("b/two.csv", detections(n=200), [(50, 59), (120, 150)]),
    ]
    at_no_detection = score_at_threshold(files, STANDARD, NO_DETECTION_THRESHOLD)
    assert at_no_detection.raw == -3.0
    assert at_no_detection.normalised == 0.0
    # All scores equal: flagging every row costs far more than it finds, so none is chosen.
    for profile in PROFILES.values():
        result = score_corpus(files, profile)
        assert result.threshold == NO_DETECTION_THRESHOLD
        assert result.normalised == 0.0


def test_a_detection_at_every_window_start_and_nowhere_else_scores_100() -> None:
    files = [
        NabFile("a/one.csv", detections(40), [(40, 49)]),
        NabFile("b/two.csv", detections(50, 120, n=200), [(50, 59), (120, 150)]),
        NabFile("b/quiet.csv", detections(n=300), []),
    ]
    for profile in PROFILES.values():
        result = score_corpus(files, profile)
        assert result.threshold == 1.0
        assert result.raw == 3.0
        assert result.normalised == pytest.approx(100.0)


def test_a_false_positive_before_any_window_costs_fp() -> None:
    file = NabFile("a/one.csv", detections(30), [(60, 69)])
    assert score_at_threshold([file], STANDARD, 0.5).raw == pytest.approx(-0.11 - 1.0)
    assert score_at_threshold([file], LOW_FP, 0.5).raw == pytest.approx(-0.22 - 1.0)
    no_windows = NabFile("a/quiet.csv", detections(30, 80), [])
    assert score_at_threshold([no_windows], STANDARD, 0.5).raw == pytest.approx(-0.22)


def test_a_false_positive_after_a_window_is_scaled_by_width_minus_one() -> None:
    file = NabFile("a/one.csv", detections(40, 52), [(40, 49)])
    result = score_at_threshold([file], STANDARD, 0.5)
    # Row 52 is 3 rows after the window's end; W' - 1 = 9, not W' = 10.
    assert result.raw == pytest.approx(1.0 + 0.11 * scaled_sigmoid(3 / 9))
    assert result.raw != pytest.approx(1.0 + 0.11 * scaled_sigmoid(3 / 10))
    # Just after the window a false positive costs almost nothing; far after, the full fp.
    near = score_at_threshold([NabFile("a", detections(40, 50), [(40, 49)])], STANDARD, 0.5)
    far = score_at_threshold([NabFile("a", detections(40, 99), [(40, 49)])], STANDARD, 0.5)
    assert near.raw == pytest.approx(1.0 + 0.11 * scaled_sigmoid(1 / 9))
    assert near.raw > 0.96  # costs about 0.03, against 0.11 far away
    assert far.raw == pytest.approx(1.0 - 0.11)


def test_a_false_positive_after_a_one_row_window_costs_fp() -> None:
    file = NabFile("a/one.csv", detections(40, 41), [(40, 40)])
    assert score_at_threshold([file], STANDARD, 0.5).raw == pytest.approx(1.0 - 0.11)


def test_the_most_recent_window_sets_the_false_positive_weight() -> None:
    # Windows [30, 39] (W 10) and [60, 79] (W 20); row 85 follows the second one.
    file = NabFile("a/one.csv", detections(30, 60, 85), [(30, 39), (60, 79)])
    expected = 2.0 + 0.11 * scaled_sigmoid((85 - 79) / 19)
    assert score_at_threshold([file], STANDARD, 0.5).raw == pytest.approx(expected)


def test_probationary_rows_are_ignored() -> None:
    # Rows 0..14 are probationary: a detection there neither costs nor finds anything.
    quiet = NabFile("a/quiet.csv", detections(3, 14), [])
    assert score_at_threshold([quiet], STANDARD, 0.5).raw == 0.0
    assert score_at_threshold([quiet], STANDARD, 0.5).per_file[0].false_positives == 0
    # ...nor is its score a candidate threshold: only 1.1 and 0.0 are, and 0.0 costs.
    assert best_threshold([quiet], STANDARD) == NO_DETECTION_THRESHOLD
    # A window reaching into the period is found only by its rows after the period.
    early = NabFile("a/early.csv", detections(12, 15), [(10, 19)])
    result = score_at_threshold([early], STANDARD, 0.5)
    assert result.raw == pytest.approx(scaled_sigmoid(-5 / 10) / scaled_sigmoid(-1.0))
    missed = NabFile("a/missed.csv", detections(12), [(10, 19)])
    assert score_at_threshold([missed], STANDARD, 0.5).raw == -1.0
    assert probationary_rows(N) == 15


def test_ties_go_to_the_higher_threshold() -> None:
    # The window's first row scores 0.9 and a later row 0.5: S(0.9) == S(0.5) == 1.
    scores = detections()
    scores[40], scores[45] = 0.9, 0.5
    file = NabFile("a/one.csv", scores, [(40, 49)])
    assert score_at_threshold([file], STANDARD, 0.9).raw == 1.0
    assert score_at_threshold([file], STANDARD, 0.5).raw == 1.0
    assert score_corpus([file], STANDARD).threshold == 0.9


def test_the_three_profiles_weigh_the_same_detections_differently() -> None:
    # One false positive before the windows, one window found at its start, one missed.
    file = NabFile("a/one.csv", detections(20, 40), [(40, 49), (70, 79)])
    raw = {name: score_at_threshold([file], p, 0.5).raw for name, p in PROFILES.items()}
    assert raw["standard"] == pytest.approx(-0.11 + 1.0 - 1.0)
    assert raw["reward_low_FP_rate"] == pytest.approx(-0.22 + 1.0 - 1.0)
    assert raw["reward_low_FN_rate"] == pytest.approx(-0.11 + 1.0 - 2.0)
    normalised = {
        name: score_at_threshold([file], p, 0.5).normalised for name, p in PROFILES.items()
    }
    assert normalised["standard"] == pytest.approx(100 * (-0.11 + 2) / 4)
    assert normalised["reward_low_FP_rate"] == pytest.approx(100 * (-0.22 + 2) / 4)
    assert normalised["reward_low_FN_rate"] == pytest.approx(100 * (-1.11 + 4) / 6)


def test_a_costlier_false_positive_can_move_the_best_threshold() -> None:
    # Finding the window takes ten false positives: worth it at fp 0.11 (1 - 1.1 > -1), not
    # at fp 0.22 (1 - 2.2 < -1), where detecting nothing is best.
    file = NabFile("a/one.csv", detections(*range(20, 30), 40), [(40, 49)])
    assert score_corpus([file], STANDARD).threshold == 1.0
    assert score_corpus([file], STANDARD).raw == pytest.approx(1.0 - 1.1)
    assert score_corpus([file], LOW_FP).threshold == NO_DETECTION_THRESHOLD
    assert score_corpus([file], LOW_FP).raw == -1.0


def test_one_threshold_serves_the_whole_corpus() -> None:
    # Alone, file b is best at 0.5 (found, no false positive); file a at 0.5 would take 30
    # false positives. Together one threshold must serve both: 0.8 (a found, b missed).
    a_scores = detections(*range(20, 40), *range(60, 70), score=0.5)
    a_scores[40] = 0.8
    a = NabFile("a/a.csv", a_scores, [(40, 49)])
    b = NabFile("b/b.csv", detections(40, score=0.5), [(40, 49)])
    assert score_corpus([b], STANDARD).threshold == 0.5
    result = score_corpus([a, b], STANDARD)
    assert result.threshold == 0.8
    assert result.raw == pytest.approx(1.0 - 1.0)
    assert [file.raw for file in result.per_file] == [1.0, -1.0]


def test_per_category_results_split_the_corpus_at_its_threshold() -> None:
    files = [
        NabFile("withAnomaly/one.csv", detections(40), [(40, 49)]),
        NabFile("withAnomaly/two.csv", detections(), [(40, 49)]),
        NabFile("noAnomaly/quiet.csv", detections(70), []),
    ]
    result = score_corpus(files, STANDARD)
    categories = result.per_category()
    assert sorted(categories) == ["noAnomaly", "withAnomaly"]
    assert categories["noAnomaly"].windows == 0
    assert categories["noAnomaly"].normalised is None
    assert categories["noAnomaly"].raw == pytest.approx(-0.11)
    assert categories["withAnomaly"].raw == pytest.approx(0.0)
    assert categories["withAnomaly"].normalised == pytest.approx(50.0)
    assert sum(c.raw for c in categories.values()) == pytest.approx(result.raw)


def test_a_corpus_without_windows_has_no_normalised_score() -> None:
    result = score_corpus([NabFile("a/quiet.csv", detections(50), [])], STANDARD)
    assert result.threshold == NO_DETECTION_THRESHOLD
    assert result.raw == 0.0
    assert result.normalised is None


def _brute_force_best(files: list[NabFile], profile: NabProfile) -> tuple[float, float]:
    """The rule read literally: every candidate threshold scored from scratch."""
    candidates = {NO_DETECTION_THRESHOLD}
    for file in files:
        candidates |= {float(s) for s in file.scores[probationary_rows(len(file.scores)) :]}
    best: tuple[float, float] | None = None
    for threshold in sorted(candidates, reverse=True):
        raw = score_at_threshold(files, profile, threshold).raw
        if best is None or raw > best[1] + 1e-9:
            best = (threshold, raw)
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(12))
def test_the_fast_threshold_search_agrees_with_trying_every_threshold(seed: int) -> None:
    rng = np.random.default_rng(seed)
    files = []
    for number in range(3):
        n = int(rng.integers(20, 120))
        # Few distinct values, so that ties within and across files are common.
        scores = rng.integers(0, 12, size=n) / 11
        windows: list[tuple[int, int]] = []
        row = int(rng.integers(0, 10))
        while row < n - 2 and len(windows) < 3:
            width = int(rng.integers(1, 12))
            windows.append((row, min(row + width - 1, n - 1)))
            row += width + int(rng.integers(1, 30))
        files.append(NabFile(f"c{number % 2}/f{number}.csv", scores, windows))
    for profile in PROFILES.values():
        threshold, raw = _brute_force_best(files, profile)
        result = score_corpus(files, profile)
        assert result.threshold == threshold
        assert result.raw == pytest.approx(raw, abs=1e-9)


@pytest.mark.parametrize(
    ("scores", "windows", "message"),
    [
        ([0.0, 1.5], [], "outside \\[0, 1\\]"),
        ([0.0, math.nan], [], "outside \\[0, 1\\]"),
        ([0.0] * 10, [(2, 12)], "not within 0..9"),
        ([0.0] * 10, [(5, 3)], "not within"),
        ([0.0] * 10, [(2, 5), (5, 7)], "overlaps"),
    ],
)
def test_bad_scores_or_windows_are_refused(
    scores: list[float], windows: list[tuple[int, int]], message: str
) -> None:
    with pytest.raises(LabelError, match=message):
        NabFile("a/bad.csv", scores, windows)
