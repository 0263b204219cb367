"""ModelActionEvent and model_action_id: round trips, deterministic ids, the event's own rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from dexwatch.schemas import SchemaError, decode, encode, series_key
from dexwatch.schemas.json_schema import json_schemas
from dexwatch.schemas.model_action import (
    MODEL_ACTIONS,
    ActionAttemptRecord,
    ModelActionEvent,
    ModelActionName,
    model_action_id,
    step_down_order,
)
from tests.schemas.strategies import aware_datetimes, dimensions, names

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
drift_scores = st.floats(0.0, 1.0)


def fields(**changes: Any) -> dict[str, Any]:
    """The fields of a valid event (a retrain that stepped down to rollback), with changes."""
    base: dict[str, Any] = {
        "action_id": model_action_id("dex-pools", "pool=0xabc", AT, "retrain"),
        "dataset": "dex-pools",
        "series": "pool=0xabc",
        "dimensions": {"pool": "0xabc"},
        "decided_action": "retrain",
        "applied_action": "rollback",
        "attempts": [
            {"action": "retrain", "succeeded": False, "error": "only 12 recent points"},
            {"action": "rollback", "succeeded": True},
        ],
        "reason": "retrain: drift score 0.62 on tvl_usd is above the retrain threshold 0.5",
        "measure_drift": {"tvl_usd": 0.62},
        "score_drift": 0.1,
        "at": AT,
        "detector_version": "surprise-records-2",
        "config_hash": "sha256:0123abcd",
    }
    return base | changes


@st.composite
def model_action_events(draw: st.DrawFn) -> ModelActionEvent:
    decided: ModelActionName = draw(st.sampled_from(MODEL_ACTIONS[1:]))
    order = step_down_order(decided)
    failed = draw(st.integers(0, len(order) - 1))
    attempts = [
        ActionAttemptRecord(action=action, succeeded=False, error=draw(st.text(max_size=40)))
        for action in order[:failed]
    ] + [ActionAttemptRecord(action=order[failed], succeeded=True)]
    event_dimensions = draw(dimensions)
    series = series_key(event_dimensions)
    at = draw(aware_datetimes())
    return ModelActionEvent(
        action_id=model_action_id("dex-pools", series, at, decided),
        dataset="dex-pools",
        series=series,
        dimensions=event_dimensions,
        decided_action=decided,
        applied_action=order[failed],
        attempts=attempts,
        reason=draw(st.text(min_size=1, max_size=80)),
        escalated_by=draw(st.lists(names, max_size=2)),
        measure_drift=draw(st.dictionaries(names, drift_scores, max_size=5)),
        score_drift=draw(drift_scores),
        at=at,
        detector_version="surprise-records-2",
        config_hash=draw(st.text(min_size=1, max_size=64)),
    )


@given(model_action_events())
def test_events_round_trip_and_match_the_exported_schema(event: ModelActionEvent) -> None:
    payload = encode(event)
    assert decode(ModelActionEvent, payload) == event
    validator = Draft202012Validator(json_schemas()["model-action-event.schema.json"])
    validator.validate(orjson.loads(payload))


@given(at=aware_datetimes(), action=st.sampled_from(MODEL_ACTIONS), series=st.text())
def test_the_id_is_deterministic_and_ignores_the_offset(
    at: datetime, action: ModelActionName, series: str
) -> None:
    first = model_action_id("d", series, at, action)
    assert first == model_action_id("d", series, at.astimezone(UTC), action)
    assert uuid.UUID(first).version == 5


def test_the_id_depends_on_each_part() -> None:
    ids = {
        model_action_id("dex-pools", "pool=a", AT, "retrain"),
        model_action_id("dex-swaps", "pool=a", AT, "retrain"),
        model_action_id("dex-pools", "pool=b", AT, "retrain"),
        model_action_id("dex-pools", "pool=a", AT + timedelta(seconds=1), "retrain"),
        model_action_id("dex-pools", "pool=a", AT, "rollback"),
    }
    assert len(ids) == 5
    with pytest.raises(ValueError, match="timezone-aware"):
        model_action_id("dex-pools", "pool=a", AT.replace(tzinfo=None), "alert")


def test_at_is_kept_in_utc() -> None:
    event = ModelActionEvent(**fields(at=AT.astimezone(timezone(timedelta(hours=-5)))))
    assert event.at == AT
    assert event.at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"decided_action": "none", "attempts": [{"action": "none", "succeeded": True}]},
            "do nothing",
        ),
        ({"attempts": [{"action": "rollback", "succeeded": True}]}, "do not step down"),
        ({"attempts": []}, "at least 1 item"),
        (
            {"attempts": [{"action": "retrain", "succeeded": False, "error": "x"}]},
            "last attempt must be the applied action",
        ),
        ({"applied_action": "alert"}, "last attempt must be the applied action"),
        (
            {"attempts": [{"action": "retrain", "succeeded": False}]},
            "a failed attempt needs an error",
        ),
        ({"score_drift": 1.5}, "less than or equal to 1"),
        ({"measure_drift": {"tvl usd": 0.1}}, "pattern"),
        ({"decided_action": "panic"}, "Input should be"),
        ({"priority": "high"}, "Extra inputs are not permitted"),
    ],
)
def test_inconsistent_events_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ModelActionEvent(**fields(**changes))
    with pytest.raises(SchemaError):
        decode(ModelActionEvent, orjson.dumps(fields(**changes), default=str))


def test_the_event_is_frozen() -> None:
    event = ModelActionEvent(**fields())
    with pytest.raises(ValidationError):
        event.reason = "changed"  # type: ignore[misc]


def test_step_down_order() -> None:
    assert step_down_order("retrain") == ("retrain", "rollback", "alert")
    assert step_down_order("alert") == ("alert",)
    assert step_down_order("none") == ()
