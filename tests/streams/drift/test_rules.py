"""The rules: thresholds pick the action, a drifting high-impact measure raises it one step."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from dexwatch.streams.drift import (
    ACTIONS,
    DriftMonitor,
    DriftMonitorSettings,
    DriftRuleSettings,
    DriftScores,
    decide,
)
from tests.streams.drift.streams import points

RULES = DriftRuleSettings()
NO_HIGH_IMPACT = DriftRuleSettings(high_impact_measures=())
unit = st.floats(0.0, 1.0)


def scores(volume: float = 0.0, tvl: float = 0.0, model: float = 0.0) -> DriftScores:
    return DriftScores({"tvl_usd": tvl, "volume_usd": volume}, model)


def test_defaults_are_the_issues() -> None:
    assert (RULES.retrain_above, RULES.rollback_above, RULES.alert_above) == (0.5, 0.3, 0.1)
    assert RULES.high_impact_measures == ("tvl_usd",)


@pytest.mark.parametrize(
    ("volume", "action"),
    [
        (0.0, "none"),
        (0.1, "none"),  # thresholds are strict: "above"
        (0.11, "alert"),
        (0.3, "alert"),
        (0.31, "rollback"),
        (0.5, "rollback"),
        (0.51, "retrain"),
        (0.99, "retrain"),
    ],
)
def test_the_highest_score_picks_the_action(volume: float, action: str) -> None:
    assert decide("s", scores(volume=volume), RULES).action == action


def test_the_model_scores_count_like_a_measure() -> None:
    decision = decide("s", scores(model=0.4), RULES)
    assert decision.action == "rollback"
    assert "model scores 0.40" in decision.reason


@pytest.mark.parametrize(
    ("tvl", "volume", "by_threshold", "action"),
    [
        (0.05, 0.0, "none", "alert"),
        (0.2, 0.0, "alert", "rollback"),
        (0.05, 0.4, "rollback", "retrain"),
        (0.6, 0.0, "retrain", "retrain"),
    ],
)
def test_a_drifting_high_impact_measure_raises_one_step(
    tvl: float, volume: float, by_threshold: str, action: str
) -> None:
    decision = decide("pool=a", scores(volume=volume, tvl=tvl), RULES)
    assert (decision.by_threshold, decision.action) == (by_threshold, action)
    assert decision.escalated_by == ("tvl_usd",)
    assert f"tvl_usd {tvl:.2f}" in decision.reason
    # The same scores with no high-impact measure: no escalation.
    assert decide("pool=a", scores(volume=volume, tvl=tvl), NO_HIGH_IMPACT).action == by_threshold


def test_high_impact_means_drifting_above_its_own_threshold() -> None:
    rules = DriftRuleSettings(high_impact_drifting_above=0.2)
    assert decide("s", scores(tvl=0.15), rules).action == "alert"
    assert decide("s", scores(tvl=0.25), rules).action == "rollback"


def test_user_thresholds_change_the_decision() -> None:
    drift = scores(volume=0.4)
    assert decide("s", drift, RULES).action == "rollback"
    assert decide("s", drift, RULES.model_copy(update={"retrain_above": 0.35})).action == "retrain"
    strict = DriftRuleSettings(retrain_above=0.9, rollback_above=0.8, alert_above=0.5)
    assert decide("s", drift, strict).action == "none"
    custom = DriftRuleSettings(high_impact_measures=("volume_usd",))
    assert decide("s", drift, custom).action == "retrain"


def test_the_reason_names_measures_scores_and_thresholds() -> None:
    decision = decide("pool=a", scores(volume=0.62, model=0.2), NO_HIGH_IMPACT)
    assert decision.reason == (
        "retrain: drift score 0.62 on volume_usd is above the retrain threshold 0.5 "
        "(drifting: volume_usd 0.62, model scores 0.20)"
    )
    quiet = decide("pool=a", scores(volume=0.04), NO_HIGH_IMPACT)
    assert quiet.reason == (
        "no drift above the alert threshold: the highest drift score is 0.04 (volume_usd), "
        "not above 0.1"
    )
    top = decide("pool=a", scores(tvl=0.7), RULES)
    assert top.reason.endswith(
        "high-impact measure drifting (tvl_usd 0.70), already at the top action"
    )


def test_the_decision_keeps_series_and_scores() -> None:
    drift = scores(volume=0.2)
    decision = decide("pool=a", drift, RULES)
    assert (decision.series, decision.scores) == ("pool=a", drift)


@given(volume=unit, tvl=unit, model=unit, more=unit)
def test_more_drift_never_asks_for_less(
    volume: float, tvl: float, model: float, more: float
) -> None:
    before = decide("s", scores(volume, tvl, model), RULES)
    after = decide("s", scores(max(volume, more), tvl, model), RULES)
    assert ACTIONS.index(after.action) >= ACTIONS.index(before.action)
    assert ACTIONS.index(before.action) - ACTIONS.index(before.by_threshold) in (0, 1)


@pytest.mark.parametrize(
    "changes",
    [
        {"alert_above": 0.4},  # above rollback_above
        {"rollback_above": 0.6},  # above retrain_above
        {"retrain_above": 1.5},
        {"alert_above": -0.1},
        {"retrain_after": 0.5},  # misspelt: refused, not ignored
    ],
)
def test_bad_settings_are_refused(changes: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        DriftRuleSettings.model_validate(changes)


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError):
        RULES.alert_above = 0.2  # type: ignore[misc]


def _decide_after(shift: dict[str, float]) -> str:
    monitor = DriftMonitor(DriftMonitorSettings())
    for point in points(11, 300, 100, shift):
        drift = monitor.update(point)
    return decide("pool=a", drift, RULES).action


@pytest.mark.parametrize(
    ("shift", "action"),
    [
        ({}, "none"),
        ({"volume_usd": 3.0}, "retrain"),
        ({"volume_usd": 1.8}, "rollback"),
        ({"tvl_usd": 1.8}, "retrain"),  # rollback, raised by the high-impact measure
    ],
)
def test_a_monitored_series_is_decided_by_its_shift(shift: dict[str, float], action: str) -> None:
    assert _decide_after(shift) == action
