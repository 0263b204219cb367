"""model_action_event: an applied decision as the event the worker publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from dexwatch.schemas import ModelActionEvent, decode, encode, model_action_id
from dexwatch.streams.drift import (
    DriftRuleSettings,
    DriftScores,
    NotEnoughDataError,
    apply_decision,
    decide,
    model_action_event,
)
from tests.streams.drift.test_actions import FakeActions

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def event(at: datetime = AT) -> ModelActionEvent:
    scores = DriftScores({"tvl_usd": 0.2, "volume_usd": 0.45}, 0.05)
    decision = decide("chain=ethereum,pool=0xabc", scores, DriftRuleSettings())
    failing = FakeActions({"retrain": NotEnoughDataError("only 12 recent points")})
    return model_action_event(
        apply_decision(decision, failing),
        dataset="dex-pools",
        dimensions={"chain": "ethereum", "pool": "0xabc"},
        at=at,
        detector_version="surprise-records-2",
        config_hash="sha256:0123abcd",
    )


def test_the_event_tells_the_whole_story() -> None:
    made = event()
    assert (made.decided_action, made.applied_action) == ("retrain", "rollback")
    assert made.escalated_by == ["tvl_usd"]
    assert [(a.action, a.succeeded, a.error) for a in made.attempts] == [
        ("retrain", False, "only 12 recent points"),
        ("rollback", True, None),
    ]
    assert made.measure_drift == {"tvl_usd": 0.2, "volume_usd": 0.45}
    assert made.score_drift == 0.05
    assert "raises it to retrain" in made.reason
    assert made.action_id == model_action_id("dex-pools", made.series, AT, "retrain")
    assert decode(ModelActionEvent, encode(made)) == made


def test_the_id_is_the_same_when_the_decision_is_replayed() -> None:
    assert event().action_id == event(AT.astimezone(timezone(timedelta(hours=2)))).action_id
    assert event().action_id != event(AT + timedelta(minutes=5)).action_id
