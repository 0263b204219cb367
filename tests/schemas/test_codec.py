"""The codec: compact JSON out, and for any input either a valid event or a SchemaError."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from dexwatch.schemas import (
    INVALID_JSON,
    INVALID_SCHEMA,
    AnomalyEvent,
    DeadLetterRecord,
    DexwatchError,
    MetricEvent,
    SchemaError,
    decode,
    encode,
)
from dexwatch.schemas.codec import describe_validation_error
from tests.schemas.strategies import (
    anomaly_events,
    aware_datetimes,
    dead_letter_records,
    metric_events,
    names,
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Near-misses: the right field names, holding anything from right to wildly wrong.
near_miss_documents = st.fixed_dictionaries(
    {},
    optional={
        "event_time": json_values | aware_datetimes().map(datetime.isoformat),
        "source": json_values,
        "dimensions": json_values | st.dictionaries(names, json_values, max_size=4),
        "measures": json_values | st.dictionaries(names, json_scalars, max_size=4),
        "event_id": json_values,
        "extra": json_values,
    },
)


def test_codes() -> None:
    assert (INVALID_JSON, INVALID_SCHEMA) == ("invalid_json", "invalid_schema")


@pytest.mark.parametrize(
    ("model", "events"),
    [
        (MetricEvent, metric_events()),
        (AnomalyEvent, anomaly_events()),
        (DeadLetterRecord, dead_letter_records()),
    ],
)
def test_encode_is_compact_json_without_nulls(
    model: type[BaseModel], events: st.SearchStrategy[BaseModel]
) -> None:
    @given(events)
    def check(event: BaseModel) -> None:
        payload = encode(event)
        assert isinstance(payload, bytes)
        assert payload.startswith(b'{"')
        assert payload == orjson.dumps(orjson.loads(payload))
        assert None not in orjson.loads(payload).values()
        decoded = decode(model, payload)
        assert type(decoded) is model

    check()


def outcome(payload: bytes) -> MetricEvent | SchemaError:
    """The decoded event, or the SchemaError; any other exception escapes and fails the test."""
    try:
        return decode(MetricEvent, payload)
    except SchemaError as error:
        return error


@given(near_miss_documents)
def test_decode_gives_an_event_or_a_schema_error(document: dict[str, Any]) -> None:
    result = outcome(orjson.dumps(document))
    if isinstance(result, SchemaError):
        assert result.kind == INVALID_SCHEMA
        assert result.reason
    else:
        assert isinstance(result, MetricEvent)
        assert result.event_time.tzinfo is UTC


@given(st.binary(max_size=64))
def test_decode_of_arbitrary_bytes_never_crashes(payload: bytes) -> None:
    result = outcome(payload)
    if isinstance(result, SchemaError):
        assert result.kind in (INVALID_JSON, INVALID_SCHEMA)
        assert result.reason
    else:
        assert isinstance(result, MetricEvent)


@pytest.mark.parametrize("key", ["tvl\nERROR forged log line", "k" * 10_000])
def test_reason_stays_one_short_line_whatever_the_keys(key: str) -> None:
    result = outcome(orjson.dumps({"measures": {key: 1.0}}))
    assert isinstance(result, SchemaError)
    assert "measures." in result.reason
    assert "\n" not in result.reason
    assert len(result.reason) < 500


def test_schema_error_keeps_the_validation_error_as_cause() -> None:
    with pytest.raises(SchemaError) as caught:
        decode(MetricEvent, b"{}")
    assert isinstance(caught.value.__cause__, ValidationError)
    assert isinstance(caught.value, DexwatchError)
    assert isinstance(caught.value, ValueError)


def test_invalid_json_keeps_the_parser_error_as_cause() -> None:
    with pytest.raises(SchemaError) as caught:
        decode(MetricEvent, b"{")
    assert isinstance(caught.value.__cause__, orjson.JSONDecodeError)
    assert str(caught.value).startswith("invalid_json: not valid UTF-8 JSON: ")


def test_describe_validation_error_names_each_place() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        AnomalyEvent.model_validate(
            {
                "anomaly_id": "x",
                "dataset": "d",
                "series": "",
                "dimensions": {},
                "interval_start": start,
                "interval_end": start.replace(year=2025),
                "score": 2.0,
                "severity": 50,
                "measures": [],
                "detector_version": "v",
                "detected_at": start,
            }
        )
    problems = describe_validation_error(caught.value).split("; ")
    assert problems == [
        "score: Input should be less than or equal to 1 (got: 2.0)",
        "kind: Field required",
        "explanation: Field required",
        "config_hash: Field required",
        "model_snapshot_version: Field required",
        "source_offsets: Field required",
    ]


def test_describe_validation_error_for_the_whole_event() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        AnomalyEvent.model_validate(
            {
                "anomaly_id": "x",
                "dataset": "d",
                "series": "",
                "dimensions": {},
                "interval_start": start,
                "interval_end": start.replace(year=2025),
                "score": 0.5,
                "severity": 50,
                "measures": [
                    {
                        "measure": "m",
                        "value": 1.0,
                        "expected_low": 0.0,
                        "expected_high": 2.0,
                        "deviation": 0.0,
                    }
                ],
                "detector_version": "v",
                "detected_at": start,
                "kind": "anomaly",
                "explanation": "",
                "config_hash": "",
                "model_snapshot_version": 0,
                "source_offsets": [],
            }
        )
    assert describe_validation_error(caught.value).startswith(
        "(event): Value error, interval_end is before interval_start (got: "
    )
