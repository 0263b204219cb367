"""DeadLetterRecord: any bytes survive the trip as base64, and bad records say what is wrong."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from dexwatch.schemas import (
    INVALID_JSON,
    INVALID_SCHEMA,
    DeadLetterRecord,
    MetricEvent,
    SchemaError,
    decode,
    encode,
)
from dexwatch.schemas.json_schema import json_schemas
from tests.schemas.strategies import dead_letter_records

FAILED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def document(**changes: Any) -> dict[str, Any]:
    """A valid dead-letter record as a JSON document, with `changes` applied on top."""
    base: dict[str, Any] = {
        "original": base64.b64encode(b'{"measures": ').decode("ascii"),
        "topic": "metrics",
        "partition": 3,
        "offset": 1041,
        "reason_kind": INVALID_JSON,
        "reason": "not valid UTF-8 JSON: unexpected end of data",
        "failed_at": "2026-01-01T12:00:00Z",
    }
    return base | changes


def rejected(doc: dict[str, Any]) -> SchemaError:
    with pytest.raises(SchemaError) as caught:
        decode(DeadLetterRecord, orjson.dumps(doc))
    assert caught.value.kind == INVALID_SCHEMA
    return caught.value


@given(dead_letter_records())
def test_round_trip_through_json(record: DeadLetterRecord) -> None:
    payload = encode(record)
    decoded = decode(DeadLetterRecord, payload)
    assert decoded == record
    assert decoded.original == record.original
    assert encode(decoded) == payload
    assert decoded.failed_at.astimezone(UTC) == record.failed_at.astimezone(UTC)


@given(st.binary(max_size=256), st.none() | st.binary(max_size=64))
def test_original_bytes_are_base64_in_json(original: bytes, key: bytes | None) -> None:
    record = DeadLetterRecord(**(_python_fields() | {"original": original, "original_key": key}))
    written = orjson.loads(encode(record))
    assert base64.b64decode(written["original"], validate=True) == original
    if key is None:
        # Absent, not null: encode() leaves out what is None.
        assert "original_key" not in written
    else:
        assert base64.b64decode(written["original_key"], validate=True) == key


@pytest.mark.parametrize(
    "original",
    [b"", b"\xff\xfe\xfd", b"\x00" * 10, b"\xed\xa0\x80", b'{"x": NaN}', "é".encode("latin-1")],
)
def test_non_utf8_and_odd_originals_survive(original: bytes) -> None:
    record = DeadLetterRecord(**(_python_fields() | {"original": original}))
    assert decode(DeadLetterRecord, encode(record)).original == original


def test_a_rejected_event_fits_in_a_dead_letter() -> None:
    payload = b'{"event_time": "2026-01-01T12:00:00Z", "source": "s", "measures": {"x": NaN}}'
    with pytest.raises(SchemaError) as caught:
        decode(MetricEvent, payload)
    record = DeadLetterRecord(
        original=payload,
        topic="metrics",
        partition=0,
        offset=7,
        reason_kind=caught.value.kind,
        reason=caught.value.reason,
        failed_at=FAILED_AT,
    )
    decoded = decode(DeadLetterRecord, encode(record))
    assert decoded.original == payload
    assert decoded.reason_kind == INVALID_JSON


@pytest.mark.parametrize("value", ["not base64!", "abc", "====", "YWJj\n"])
def test_invalid_base64_rejected(value: str) -> None:
    reason = rejected(document(original=value)).reason
    assert reason.startswith("original: ")
    assert "not valid base64" in reason


@pytest.mark.parametrize("value", ["é", "YWJj€"])
def test_non_ascii_base64_rejected(value: str) -> None:
    assert rejected(document(original=value)).reason.startswith("original: ")


def test_invalid_base64_key_rejected() -> None:
    assert rejected(document(original_key="%%%")).reason.startswith("original_key: ")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("original", 12),
        ("original", None),
        ("topic", ""),
        ("partition", -1),
        ("partition", "zero"),
        ("offset", -1),
        ("offset", 1.5),
        ("reason_kind", ""),
        ("reason_kind", "k" * 65),
        ("reason", ""),
        ("failed_at", "2026-01-01T12:00:00"),
        ("failed_at", "garbage"),
    ],
)
def test_bad_field_rejected(field: str, value: object) -> None:
    assert rejected(document(**{field: value})).reason.startswith(f"{field}: ")


@pytest.mark.parametrize(
    "field", ["original", "topic", "partition", "offset", "reason_kind", "reason", "failed_at"]
)
def test_missing_required_field_rejected(field: str) -> None:
    doc = document()
    del doc[field]
    assert rejected(doc).reason == f"{field}: Field required"


def test_original_key_is_optional() -> None:
    record = decode(DeadLetterRecord, orjson.dumps(document()))
    assert record.original_key is None
    assert record.original == b'{"measures": '


def test_unknown_field_rejected() -> None:
    reason = rejected(document(retries=3)).reason
    assert reason == "retries: Extra inputs are not permitted (got: 3)"


def _python_fields() -> dict[str, Any]:
    return {
        "original": b"",
        "topic": "metrics",
        "partition": 0,
        "offset": 0,
        "reason_kind": INVALID_SCHEMA,
        "reason": "measures: Field required",
        "failed_at": FAILED_AT,
    }


# ---------------------------------------------------------------------------- upstream records


def _upstream_fields() -> dict[str, Any]:
    return {
        "original": b'{"id": "0xpool-490992", "tvlUSD": "-5"}',
        "original_key": b"0xpool-490992",
        "source": "thegraph:ethereum:uniswap-v3:poolHourDatas",
        "reason_kind": "negative",
        "reason": "poolHourDatas 0xpool-490992: tvlUSD: negative: -5",
        "failed_at": FAILED_AT,
    }


def test_an_upstream_record_has_a_source_instead_of_kafka_coordinates() -> None:
    record = DeadLetterRecord(**_upstream_fields())
    written = orjson.loads(encode(record))
    assert "topic" not in written
    assert "partition" not in written
    assert written["source"] == "thegraph:ethereum:uniswap-v3:poolHourDatas"
    assert decode(DeadLetterRecord, encode(record)) == record


def test_without_a_source_the_kafka_coordinates_stay_required() -> None:
    doc = document()
    for field in ("topic", "partition", "offset"):
        del doc[field]
    reason = rejected(doc).reason
    assert reason == "topic: Field required; partition: Field required; offset: Field required"


def test_the_json_schema_accepts_either_origin_but_not_neither() -> None:
    validator = Draft202012Validator(json_schemas()["dead-letter-record.schema.json"])
    upstream = orjson.loads(encode(DeadLetterRecord(**_upstream_fields())))
    assert validator.is_valid(upstream)
    assert validator.is_valid(document())
    del upstream["source"]
    assert not validator.is_valid(upstream)
