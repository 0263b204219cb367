"""bench.joint_departures: joint departures of two measures that move together."""

from __future__ import annotations

import pytest

from bench.joint_departures import main, run_series


def test_a_departure_is_caught_with_the_joint_view_and_not_without() -> None:
    assert run_series(1, 1701, joint_trees=8).caught
    assert not run_series(1, 1701, joint_trees=0).caught


def test_points_must_reach_past_the_departure(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--points", "1700"])
    assert "--points must exceed 1700" in capsys.readouterr().err
