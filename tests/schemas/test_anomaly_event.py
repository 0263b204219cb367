"""AnomalyEvent and anomaly_id: round trips, deterministic ids, and the event's own rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from dexwatch.schemas import (
    INVALID_SCHEMA,
    AnomalyEvent,
    MeasureContribution,
    SchemaError,
    SourceOffsets,
    anomaly_id,
    decode,
    encode,
)
from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.incident import IncidentContributor
from tests.schemas.strategies import anomaly_events, aware_datetimes, utc_offsets

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def fields(**changes: Any) -> dict[str, Any]:
    """The fields of a valid AnomalyEvent, with `changes` applied on top."""
    base: dict[str, Any] = {
        "anomaly_id": anomaly_id("dex-pools", "chain=ethereum", START, "hst-1"),
        "dataset": "dex-pools",
        "series": "chain=ethereum",
        "dimensions": {"chain": "ethereum"},
        "interval_start": START,
        "interval_end": START + timedelta(minutes=5),
        "score": 0.97,
        "severity": 88,
        "measures": [
            MeasureContribution(
                measure="tvl_usd",
                value=2.0e6,
                expected_low=1.1e8,
                expected_high=1.3e8,
                deviation=-11.9,
            )
        ],
        "detector_version": "hst-1",
        "detected_at": START + timedelta(minutes=5, seconds=2),
        "kind": "anomaly",
        "explanation": "tvl_usd 2e+06 below 1.1e+08..1.3e+08 (level, -11.9 sd)",
        "config_hash": "15758ddb7b962bc1",
        "model_snapshot_version": 3,
        "source_offsets": [SourceOffsets(topic="dexwatch.metrics", partition=2, first=7, last=9)],
    }
    return base | changes


def construction_reason(**changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        AnomalyEvent(**fields(**changes))
    return describe_validation_error(caught.value)


def decode_reason(**changes: Any) -> str:
    document = orjson.loads(encode(AnomalyEvent(**fields())))
    document.update(changes)
    with pytest.raises(SchemaError) as caught:
        decode(AnomalyEvent, orjson.dumps(document))
    assert caught.value.kind == INVALID_SCHEMA
    return caught.value.reason


# ---------------------------------------------------------------------------- round trips


@given(anomaly_events())
def test_round_trip_through_json(event: AnomalyEvent) -> None:
    payload = encode(event)
    decoded = decode(AnomalyEvent, payload)
    assert decoded == event
    assert encode(decoded) == payload
    # Same instants whatever offset they were written with.
    for name in ("interval_start", "interval_end", "detected_at"):
        assert getattr(decoded, name).astimezone(UTC) == getattr(event, name).astimezone(UTC)


def test_round_trip_keeps_the_instant_for_sub_minute_offsets() -> None:
    # Such offsets are real: zoneinfo gives them for local mean time before ~1900.
    odd = timezone(timedelta(hours=5, minutes=30, seconds=17))
    when = START.astimezone(odd)
    event = AnomalyEvent(**fields(interval_start=when, interval_end=when, detected_at=when))
    assert decode(AnomalyEvent, encode(event)) == event


# ---------------------------------------------------------------------------- anomaly_id

# anomaly_id joins its inputs with 0x1f; a dataset or detector version holding one could make
# two different input tuples read alike, so these leave it out. The series may hold anything:
# with the outer two fields free of 0x1f the split stays unambiguous.
_labels = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x1f"), min_size=1, max_size=40
)
_input_values: dict[str, st.SearchStrategy[Any]] = {
    "dataset": _labels,
    "series": st.text(max_size=60),
    "interval_start": aware_datetimes(),
    "detector_version": _labels,
}
_id_inputs = st.fixed_dictionaries(_input_values)


def test_anomaly_id_is_pinned() -> None:
    # Ids are idempotency keys: changing the namespace or the layout re-alerts on every replay.
    value = anomaly_id("dex-pools", "chain=ethereum,dex=uniswap-v3", START, "hst-1")
    assert value == "50a11214-f8b7-5fb3-9628-2d8f96f5819e"


@given(_id_inputs)
def test_anomaly_id_is_deterministic(inputs: dict[str, Any]) -> None:
    first = anomaly_id(**inputs)
    assert anomaly_id(**dict(inputs)) == first
    assert uuid.UUID(first).version == 5
    assert str(uuid.UUID(first)) == first


@given(_id_inputs, utc_offsets)
def test_anomaly_id_ignores_the_offset_of_the_same_instant(
    inputs: dict[str, Any], offset: timezone
) -> None:
    moved = inputs | {"interval_start": inputs["interval_start"].astimezone(offset)}
    assert anomaly_id(**moved) == anomaly_id(**inputs)


@given(_id_inputs, st.sampled_from(sorted(_input_values)), st.data())
def test_anomaly_id_differs_when_any_input_differs(
    inputs: dict[str, Any], which: str, data: st.DataObject
) -> None:
    changed = inputs | {which: data.draw(_input_values[which], label=which)}
    # Datetimes compare as instants, so an equal instant at another offset is not a change.
    assume(changed != inputs)
    assert anomaly_id(**changed) != anomaly_id(**inputs)


def test_anomaly_id_refuses_naive_interval_start() -> None:
    with pytest.raises(ValueError, match="interval_start"):
        anomaly_id("dex-pools", "chain=ethereum", datetime(2026, 1, 1, 12), "hst-1")


# ---------------------------------------------------------------------------- rules


@given(aware_datetimes(), st.timedeltas(min_value=timedelta(microseconds=1)), utc_offsets)
def test_interval_end_before_start_rejected(
    start: datetime, gap: timedelta, offset: timezone
) -> None:
    assume(gap < timedelta(days=3650))
    end = (start - gap).astimezone(offset)
    reason = construction_reason(interval_start=start, interval_end=end)
    assert "interval_end is before interval_start" in reason
    reason = decode_reason(interval_start=start.isoformat(), interval_end=end.isoformat())
    assert "interval_end is before interval_start" in reason


def test_interval_order_is_by_instant_not_wall_clock() -> None:
    # 13:00+02:00 is 11:00Z: before 12:00Z although its wall clock reads later.
    later_wall_clock = datetime(2026, 1, 1, 13, 0, tzinfo=timezone(timedelta(hours=2)))
    assert "interval_end" in construction_reason(interval_end=later_wall_clock)
    # 11:00-02:00 is 13:00Z: after 12:00Z although its wall clock reads earlier.
    earlier_wall_clock = datetime(2026, 1, 1, 11, 0, tzinfo=timezone(timedelta(hours=-2)))
    assert AnomalyEvent(**fields(interval_end=earlier_wall_clock)).interval_end > START


def test_empty_interval_allowed() -> None:
    event = AnomalyEvent(**fields(interval_end=START))
    assert event.interval_end == event.interval_start


@given(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).filter(lambda value: not 0 <= value <= 100)
)
def test_severity_outside_0_to_100_rejected(severity: int) -> None:
    assert construction_reason(severity=severity).startswith("severity: ")
    assert decode_reason(severity=severity).startswith("severity: ")


@given(st.integers(min_value=0, max_value=100))
def test_severity_inside_0_to_100_accepted(severity: int) -> None:
    assert AnomalyEvent(**fields(severity=severity)).severity == severity


@given(st.floats(allow_nan=False).filter(lambda value: not 0.0 <= value <= 1.0))
def test_score_outside_unit_interval_rejected(score: float) -> None:
    assert construction_reason(score=score).startswith("score: ")
    assert decode_reason(score=score).startswith("score: ")


def test_score_nan_rejected() -> None:
    assert construction_reason(score=float("nan")).startswith("score: ")


@pytest.mark.parametrize("score", [0.0, 1.0, 0.5])
def test_score_bounds_are_inclusive(score: float) -> None:
    assert AnomalyEvent(**fields(score=score)).score == score


def test_an_anomaly_without_measures_is_rejected_but_no_data_has_none() -> None:
    assert "at least one measure" in construction_reason(measures=[])
    assert AnomalyEvent(**fields(kind="no_data", measures=[], score=1.0)).measures == []


@pytest.mark.parametrize("field", ["value", "expected_low", "expected_high", "deviation"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_contribution_rejected(field: str, value: float) -> None:
    contribution: dict[str, Any] = {
        "measure": "tvl_usd",
        "value": 1.0,
        "expected_low": 0.0,
        "expected_high": 2.0,
        "deviation": 0.5,
    }
    reason = construction_reason(measures=[contribution | {field: value}])
    assert reason.startswith(f"measures.0.{field}: ")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dataset", ""),
        ("dataset", "d" * 201),
        ("detector_version", ""),
        ("dimensions", {"bad name": "x"}),
        ("interval_start", datetime(2026, 1, 1, 12)),
        ("detected_at", datetime(2026, 1, 1, 12)),
    ],
)
def test_bad_field_rejected(field: str, value: object) -> None:
    assert construction_reason(**{field: value}).startswith(f"{field}")


@pytest.mark.parametrize("field", sorted(AnomalyEvent.model_fields))
def test_every_field_is_required(field: str) -> None:
    document = orjson.loads(encode(AnomalyEvent(**fields())))
    del document[field]
    with pytest.raises(SchemaError) as caught:
        decode(AnomalyEvent, orjson.dumps(document))
    assert caught.value.reason == f"{field}: Field required"


def test_unknown_field_rejected() -> None:
    assert (
        decode_reason(priority="high") == "priority: Extra inputs are not permitted (got: 'high')"
    )


def test_a_ratio_the_model_watches_can_be_a_contribution() -> None:
    ratio = MeasureContribution(
        measure="volume_usd/tvl_usd", value=0.3, expected_low=0.0, expected_high=0.02, deviation=54
    )
    assert ratio.measure == "volume_usd/tvl_usd"
    with pytest.raises(ValidationError):
        MeasureContribution(measure="a/b/c", value=1, expected_low=0, expected_high=1, deviation=2)


def test_an_incident_names_a_ratio_contributor_as_its_anomaly_does() -> None:
    contributor = IncidentContributor(
        series="pool=a",
        dimensions={"pool": "a"},
        measure="volume_usd/tvl_usd",
        kind="anomaly",
        severity=90,
        share=1.0,
        anomaly_id="x",
        interval_start=datetime(2026, 1, 5, tzinfo=UTC),
    )
    assert contributor.measure == "volume_usd/tvl_usd"
