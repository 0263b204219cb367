"""The snapshot record format: round trips, K-deep history, and corruption refused."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dexwatch.schemas.errors import StateFormatError
from dexwatch.streams.snapshots import (
    MAGIC,
    Snapshot,
    decode_record,
    encode_record,
    push_snapshot,
)

_AT = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)

snapshots = st.builds(
    Snapshot,
    state=st.binary(max_size=300),
    at=st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.just(UTC),
    ),
    points_seen=st.integers(0, 2**64 - 1),
    version=st.integers(0, 2**32 - 1),
)


@given(st.lists(snapshots, min_size=1, max_size=5))
def test_round_trip(kept: list[Snapshot]) -> None:
    assert decode_record(encode_record(kept)) == tuple(kept)


def test_time_keeps_microseconds_and_reads_back_in_utc() -> None:
    elsewhere = _AT.astimezone(timezone_plus_one())
    (snapshot,) = decode_record(encode_record([Snapshot(b"s", elsewhere, 1, 1)]))
    assert snapshot.at == _AT
    assert snapshot.at.tzinfo == UTC


def timezone_plus_one() -> tzinfo:
    return timezone(timedelta(hours=1))


def test_push_keeps_the_newest_k_newest_first() -> None:
    record: bytes | None = None
    for version in range(1, 6):
        record = push_snapshot(record, Snapshot(b"v%d" % version, _AT, version, version), 3)
    assert record is not None
    assert [s.version for s in decode_record(record)] == [5, 4, 3]


def test_layout_is_the_documented_one() -> None:
    data = encode_record([Snapshot(b"abc", _AT, 7, 2)])
    assert data[:4] == MAGIC
    assert struct.unpack_from("<HB", data, 4) == (1, 1)
    assert len(data) == 4 + 3 + 24 + 3 + 4


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda data: b"", "too short"),
        (lambda data: b"XXXX" + data[4:], "not a snapshot record"),
        (lambda data: data[:4] + struct.pack("<H", 9) + data[6:], "version 9"),
        (lambda data: data[:-1], "checksum"),
        (lambda data: data[:20] + bytes([data[20] ^ 0x01]) + data[21:], "checksum"),
        (lambda data: data + b"\x00", "checksum"),
    ],
    ids=["empty", "magic", "version", "truncated", "bit-flip", "trailing"],
)
def test_corruption_is_refused(mangle: object, message: str) -> None:
    data = encode_record([Snapshot(b"state", _AT, 3, 1), Snapshot(b"old", _AT, 1, 0)])
    assert callable(mangle)
    with pytest.raises(StateFormatError, match=message):
        decode_record(mangle(data))


def test_a_valid_checksum_does_not_hide_a_bad_length() -> None:
    body = encode_record([Snapshot(b"state", _AT, 3, 1)])[:-4]
    bad = bytearray(body)
    struct.pack_into("<I", bad, 7 + 20, 999)  # the state length field
    with pytest.raises(StateFormatError, match="truncated"):
        decode_record(bytes(bad) + struct.pack("<I", zlib.crc32(bad)))


@pytest.mark.parametrize(
    "snapshot",
    [
        Snapshot(b"", datetime(2025, 1, 1), 0, 0),
        Snapshot(b"", _AT, -1, 0),
        Snapshot(b"", _AT, 0, 2**32),
    ],
    ids=["naive-time", "negative-points", "version-too-big"],
)
def test_values_the_format_cannot_hold_are_refused(snapshot: Snapshot) -> None:
    with pytest.raises(StateFormatError):
        encode_record([snapshot])


def test_a_record_holds_one_to_255_snapshots() -> None:
    with pytest.raises(StateFormatError):
        encode_record([])
    with pytest.raises(ValueError, match="history"):
        push_snapshot(None, Snapshot(b"", _AT, 0, 0), 0)
