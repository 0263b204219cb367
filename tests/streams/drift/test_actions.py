"""apply_decision: the decided action first, then cheaper ones, every attempt recorded."""

from __future__ import annotations

import pytest

from dexwatch.streams.drift import (
    ActionAttempt,
    DriftActionError,
    DriftDecision,
    DriftScores,
    ModelActions,
    NoSnapshotError,
    NotEnoughDataError,
    apply_decision,
)
from dexwatch.streams.drift.rules import DriftAction


class FakeActions:
    """Records the calls; raises the given error for an action instead of doing it."""

    def __init__(self, failures: dict[str, Exception] | None = None) -> None:
        self.failures = failures or {}
        self.calls: list[tuple[str, str]] = []

    def retrain(self, series: str) -> None:
        self._do("retrain", series)

    def rollback(self, series: str) -> None:
        self._do("rollback", series)

    def _do(self, action: str, series: str) -> None:
        self.calls.append((action, series))
        if action in self.failures:
            raise self.failures[action]


def decision(action: DriftAction) -> DriftDecision:
    return DriftDecision("pool=a", action, "because", DriftScores({"tvl_usd": 0.6}), action)


NO_DATA = NotEnoughDataError("retrain needs 600 recent points, only 12 are kept")
NO_SNAPSHOT = NoSnapshotError("no snapshot older than the live model")


def test_the_fake_speaks_the_protocol() -> None:
    assert isinstance(FakeActions(), ModelActions)


@pytest.mark.parametrize("action", ["retrain", "rollback", "alert"])
def test_a_working_action_is_applied_once(action: DriftAction) -> None:
    actions = FakeActions()
    applied = apply_decision(decision(action), actions)
    assert applied.applied == action
    assert applied.attempts == (ActionAttempt(action, succeeded=True),)
    assert not applied.stepped_down
    assert actions.calls == ([] if action == "alert" else [(action, "pool=a")])


def test_a_failing_retrain_steps_down_to_rollback() -> None:
    actions = FakeActions({"retrain": NO_DATA})
    applied = apply_decision(decision("retrain"), actions)
    assert applied.applied == "rollback"
    assert applied.stepped_down
    assert applied.attempts == (
        ActionAttempt("retrain", succeeded=False, error=str(NO_DATA)),
        ActionAttempt("rollback", succeeded=True),
    )
    assert actions.calls == [("retrain", "pool=a"), ("rollback", "pool=a")]


def test_a_failing_rollback_steps_down_to_alert() -> None:
    applied = apply_decision(decision("rollback"), FakeActions({"rollback": NO_SNAPSHOT}))
    assert applied.applied == "alert"
    assert applied.attempts == (
        ActionAttempt("rollback", succeeded=False, error=str(NO_SNAPSHOT)),
        ActionAttempt("alert", succeeded=True),
    )
    assert applied.failures == applied.attempts[:1]


def test_retrain_and_rollback_failing_end_in_an_alert() -> None:
    applied = apply_decision(
        decision("retrain"), FakeActions({"retrain": NO_DATA, "rollback": NO_SNAPSHOT})
    )
    assert applied.applied == "alert"
    assert [(a.action, a.succeeded, a.error) for a in applied.attempts] == [
        ("retrain", False, str(NO_DATA)),
        ("rollback", False, str(NO_SNAPSHOT)),
        ("alert", True, None),
    ]


def test_none_does_nothing() -> None:
    actions = FakeActions()
    applied = apply_decision(decision("none"), actions)
    assert (applied.applied, applied.attempts, actions.calls) == ("none", (), [])


def test_an_unexpected_error_is_a_bug_and_propagates() -> None:
    with pytest.raises(ZeroDivisionError):
        apply_decision(decision("retrain"), FakeActions({"retrain": ZeroDivisionError()}))


def test_action_errors_share_the_root() -> None:
    assert isinstance(NO_SNAPSHOT, DriftActionError | LookupError)
    assert issubclass(NotEnoughDataError, DriftActionError)
