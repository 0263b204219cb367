"""MetricEvent: round trips, and every kind of bad input rejected with a reason naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from dexwatch.schemas import (
    INVALID_JSON,
    INVALID_SCHEMA,
    MetricEvent,
    SchemaError,
    decode,
    encode,
    series_key,
)
from dexwatch.schemas.codec import describe_validation_error
from tests.schemas.strategies import (
    aware_datetimes,
    bad_names,
    dimensions,
    measure_values,
    metric_events,
    names,
)

EVENT_TIME = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def document(**changes: Any) -> dict[str, Any]:
    """A valid metric event as a JSON document, with `changes` applied on top."""
    base: dict[str, Any] = {
        "event_time": "2026-01-01T12:00:00Z",
        "source": "simulator",
        "dimensions": {"chain": "ethereum", "dex": "uniswap-v3"},
        "measures": {"tvl_usd": 1.2e8, "tx_count": 412},
    }
    return base | changes


def rejected(payload: bytes) -> SchemaError:
    with pytest.raises(SchemaError) as caught:
        decode(MetricEvent, payload)
    return caught.value


def rejected_document(doc: dict[str, Any]) -> SchemaError:
    return rejected(orjson.dumps(doc))


def construction_reason(**fields: Any) -> str:
    """Build a MetricEvent in Python from a valid base plus `fields`; return why it failed."""
    base: dict[str, Any] = {"event_time": EVENT_TIME, "source": "s", "measures": {"tvl_usd": 1.0}}
    with pytest.raises(ValidationError) as caught:
        MetricEvent(**(base | fields))
    return describe_validation_error(caught.value)


# ---------------------------------------------------------------------------- round trips


@given(metric_events())
def test_round_trip_through_json(event: MetricEvent) -> None:
    payload = encode(event)
    decoded = decode(MetricEvent, payload)
    assert decoded == event
    assert encode(decoded) == payload
    assert decoded.event_time.utcoffset() == timedelta(0)


@given(aware_datetimes())
def test_event_time_is_normalised_to_utc(when: datetime) -> None:
    event = MetricEvent(event_time=when, source="s", measures={"x": 1.0})
    assert event.event_time.tzinfo is UTC
    assert event.event_time == when
    assert event.event_time.replace(tzinfo=None) == when.astimezone(UTC).replace(tzinfo=None)
    assert orjson.loads(encode(event))["event_time"].endswith("Z")


def test_documented_example_decodes() -> None:
    event = decode(MetricEvent, orjson.dumps(document()))
    assert event.event_time == EVENT_TIME
    assert event.measures == {"tvl_usd": 1.2e8, "tx_count": 412.0}
    assert event.event_id is None


@pytest.mark.parametrize(
    "unix_time",
    [
        1_767_268_800,
        1_767_268_800.0,
        1_767_268_800_000,
        1_767_268_800_000_000,
        1_767_268_800_000_000_000,
    ],
)
def test_event_time_reads_unix_times_by_magnitude(unix_time: float) -> None:
    """s, ms, us and ns, the unit read from the size as `schemas/epoch_time.py` does."""
    event = decode(MetricEvent, orjson.dumps(document(event_time=unix_time)))
    assert event.event_time == EVENT_TIME


def test_a_unix_time_past_year_9999_is_refused() -> None:
    with pytest.raises(SchemaError) as caught:
        decode(MetricEvent, orjson.dumps(document(event_time=1e22)))
    assert "event_time" in caught.value.reason
    assert "out of range" in caught.value.reason


@given(st.dictionaries(names, measure_values, min_size=1, max_size=8))
def test_integer_measures_come_back_as_floats(measures: dict[str, float]) -> None:
    event = MetricEvent(event_time=EVENT_TIME, source="s", measures=measures)
    assert all(type(value) is float for value in event.measures.values())
    assert event.measures == measures


# ---------------------------------------------------------------------------- non-finite


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_measure_rejected_in_python(value: float) -> None:
    reason = construction_reason(measures={"tvl_usd": value})
    assert "measures.tvl_usd" in reason
    assert "finite" in reason


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_non_finite_measure_rejected_in_json_text(literal: str) -> None:
    payload = (
        b'{"event_time": "2026-01-01T12:00:00Z", "source": "s", "measures": {"x": '
        + literal.encode()
        + b"}}"
    )
    error = rejected(payload)
    assert error.kind == INVALID_JSON
    assert "JSON" in error.reason
    # Where in the text: the field is not known before parsing, the position is.
    assert "column" in error.reason


# ---------------------------------------------------------------------------- wrong types


@pytest.mark.parametrize("value", ["12", True, False, [12], None, {"usd": 12}])
def test_measure_of_wrong_type_rejected(value: object) -> None:
    error = rejected_document(document(measures={"tvl_usd": value}))
    assert error.kind == INVALID_SCHEMA
    assert "measures.tvl_usd" in error.reason
    assert "valid number" in error.reason
    assert f"got: {value!r}" in error.reason
    assert "measures.tvl_usd" in construction_reason(measures={"tvl_usd": value})


@pytest.mark.parametrize("value", [1, 1.5, True, None, ["ethereum"], ""])
def test_dimension_value_of_wrong_type_rejected(value: object) -> None:
    error = rejected_document(document(dimensions={"chain": value}))
    assert error.kind == INVALID_SCHEMA
    assert "dimensions.chain" in error.reason
    assert "dimensions.chain" in construction_reason(dimensions={"chain": value})


def test_dimension_value_too_long_rejected() -> None:
    assert decode(MetricEvent, orjson.dumps(document(dimensions={"pool": "p" * 256})))
    error = rejected_document(document(dimensions={"pool": "p" * 257}))
    assert "dimensions.pool" in error.reason
    assert "256" in error.reason


def test_event_time_without_timezone_rejected() -> None:
    error = rejected_document(document(event_time="2026-01-01T12:00:00"))
    assert error.kind == INVALID_SCHEMA
    assert error.reason.startswith("event_time: ")
    assert "timezone" in error.reason
    assert "event_time" in construction_reason(event_time=datetime(2026, 1, 1, 12))


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T25:00:00Z",
        "2026-01-01T12:00:00+24:00",
        "2026-01-01",
        True,
        None,
        [2026, 1, 1],
        {"seconds": 1},
    ],
)
def test_event_time_garbage_rejected(value: object) -> None:
    error = rejected_document(document(event_time=value))
    assert error.kind == INVALID_SCHEMA
    assert error.reason.startswith("event_time: ")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_event_time_out_of_range_after_utc_conversion_is_a_schema_error(value: str) -> None:
    error = rejected_document(document(event_time=value))
    assert error.kind == INVALID_SCHEMA
    assert "event_time" in error.reason


# ---------------------------------------------------------------------------- structure


@pytest.mark.parametrize("field", ["event_time", "source", "measures"])
def test_missing_required_field_rejected(field: str) -> None:
    doc = document()
    del doc[field]
    error = rejected_document(doc)
    assert error.kind == INVALID_SCHEMA
    assert error.reason == f"{field}: Field required"


def test_every_problem_is_reported() -> None:
    doc = document(measures={"tvl_usd": "12"}, dimensions={"chain": 1})
    del doc["event_time"]
    reason = rejected_document(doc).reason
    assert reason.count("; ") == 2
    for where in ("event_time", "measures.tvl_usd", "dimensions.chain"):
        assert where in reason


def test_long_bad_value_is_shortened_in_reason() -> None:
    reason = rejected_document(document(measures={"tvl_usd": "9" * 10_000})).reason
    assert reason.startswith("measures.tvl_usd: ")
    assert reason.endswith("...)")
    assert len(reason) < 200


def test_empty_measures_rejected() -> None:
    error = rejected_document(document(measures={}))
    assert error.kind == INVALID_SCHEMA
    assert error.reason.startswith("measures: ")
    assert "at least 1" in error.reason


def test_dimensions_are_optional() -> None:
    doc = document()
    del doc["dimensions"]
    event = decode(MetricEvent, orjson.dumps(doc))
    assert event.dimensions == {}
    assert event.series_key == ""


@pytest.mark.parametrize(
    ("field", "limit"),
    [("dimensions", 32), ("measures", 64)],
)
def test_too_many_names_rejected(field: str, limit: int) -> None:
    values: dict[str, Any] = {"dimensions": "v", "measures": 1.0}
    at_limit = {f"n{index}": values[field] for index in range(limit)}
    assert getattr(decode(MetricEvent, orjson.dumps(document(**{field: at_limit}))), field)
    over = at_limit | {"one_more": values[field]}
    error = rejected_document(document(**{field: over}))
    assert error.reason.startswith(f"{field}: ")
    assert str(limit) in error.reason


@pytest.mark.parametrize("source", ["", "s" * 201, 7, None])
def test_bad_source_rejected(source: object) -> None:
    assert rejected_document(document(source=source)).reason.startswith("source: ")


@given(bad_names)
def test_bad_measure_name_rejected(name: str) -> None:
    error = rejected_document(document(measures={name: 1.0}))
    assert error.kind == INVALID_SCHEMA
    assert error.reason.startswith("measures.")
    assert ".[key]: String should match pattern" in error.reason
    if name.isprintable() and len(name) <= 60:
        assert f"measures.{name}.[key]: " in error.reason


@given(bad_names)
def test_bad_dimension_name_rejected(name: str) -> None:
    error = rejected_document(document(dimensions={name: "x"}))
    assert error.kind == INVALID_SCHEMA
    assert error.reason.startswith("dimensions.")
    assert ".[key]: String should match pattern" in error.reason
    if name.isprintable() and len(name) <= 60:
        assert f"dimensions.{name}.[key]: " in error.reason


@given(
    names.filter(lambda name: name not in MetricEvent.model_fields),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
)
def test_unknown_field_rejected(name: str, value: int) -> None:
    error = rejected_document(document(**{name: value}))
    assert error.kind == INVALID_SCHEMA
    assert error.reason == f"{name}: Extra inputs are not permitted (got: {value!r})"


@pytest.mark.parametrize(
    ("payload", "got"),
    [
        (b"[]", "list"),
        (b'[{"source": "s"}]', "list"),
        (b"3", "int"),
        (b"1.5", "float"),
        (b'"event"', "str"),
        (b"null", "NoneType"),
        (b"true", "bool"),
    ],
)
def test_top_level_non_object_rejected(payload: bytes, got: str) -> None:
    error = rejected(payload)
    assert error.kind == INVALID_SCHEMA
    assert error.reason == f"expected a JSON object, got {got}"


def _not_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@given(st.binary(min_size=1, max_size=64).filter(_not_utf8))
def test_invalid_utf8_rejected(raw: bytes) -> None:
    for payload in (raw, b'{"source": "' + raw + b'"}'):
        error = rejected(payload)
        assert error.kind == INVALID_JSON
        assert "UTF-8" in error.reason


@pytest.mark.parametrize(
    "payload",
    [b"", b"{", b'{"source": }', b"\xef\xbb", b'{"source": "\xed\xa0\x80"}', b"{'a': 1}"],
)
def test_unparsable_bytes_rejected(payload: bytes) -> None:
    error = rejected(payload)
    assert error.kind == INVALID_JSON
    assert error.reason.startswith("not valid UTF-8 JSON: ")


def test_schema_error_is_a_value_error() -> None:
    error = rejected(b"[]")
    assert isinstance(error, ValueError)
    assert str(error) == f"{INVALID_SCHEMA}: expected a JSON object, got list"


# ---------------------------------------------------------------------------- series_key


@given(dimensions, st.randoms(use_true_random=False))
def test_series_key_ignores_dimension_order(dims: dict[str, str], random: Random) -> None:
    items = list(dims.items())
    random.shuffle(items)
    shuffled = dict(items)
    assert series_key(shuffled) == series_key(dims)
    event = MetricEvent(event_time=EVENT_TIME, source="s", dimensions=shuffled, measures={"x": 1})
    assert event.series_key == series_key(dims)


# Names cannot hold `,` or `=` (the name pattern forbids them); these values don't either.
_plain_values = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters=",="), min_size=1, max_size=20
) | st.sampled_from(["ethereum", "uniswap-v3", "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640"])
_plain_dimensions = st.dictionaries(names, _plain_values, max_size=5)


@given(_plain_dimensions, _plain_dimensions)
def test_series_key_distinct_for_distinct_dimensions(
    first: dict[str, str], second: dict[str, str]
) -> None:
    assert (series_key(first) == series_key(second)) == (first == second)


def test_series_key_format() -> None:
    assert series_key({}) == ""
    assert series_key({"pool": "0xabc", "chain": "ethereum"}) == "chain=ethereum,pool=0xabc"


def test_series_key_distinct_even_with_separators_in_values() -> None:
    # Both are valid events, from different series, yet they share one key.
    one = MetricEvent(
        event_time=EVENT_TIME, source="s", dimensions={"a": "x,b=y"}, measures={"m": 1}
    )
    two = MetricEvent(
        event_time=EVENT_TIME, source="s", dimensions={"a": "x", "b": "y"}, measures={"m": 1}
    )
    assert one.dimensions != two.dimensions
    assert one.series_key != two.series_key
