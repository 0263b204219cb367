from __future__ import annotations

from detectors.score_calibrator import ScoreCalibrator


def test_tail_is_the_share_of_recent_scores_below() -> None:
    calibrator = ScoreCalibrator(window=10, min_history=5)
    for raw in (0.1, 0.2, 0.3, 0.4):
        calibrator.learn(raw)
    assert not calibrator.ready
    assert calibrator.tail(0.9) == 0.0  # no verdict before min_history
    calibrator.learn(0.5)
    assert calibrator.ready
    assert calibrator.tail(0.35) == 3 / 5
    assert calibrator.tail(0.9) == 1.0
    assert calibrator.tail(0.0) == 0.0


def test_only_the_last_window_counts() -> None:
    calibrator = ScoreCalibrator(window=4, min_history=1)
    for raw in (0.9, 0.9, 0.1, 0.2, 0.3, 0.4):  # the two 0.9s fall out of the window
        calibrator.learn(raw)
    assert calibrator.tail(0.5) == 1.0
