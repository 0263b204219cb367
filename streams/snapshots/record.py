"""The value stored per series in the snapshot table: its last few snapshots, newest first.

A compact, versioned binary record, never pickle (nothing read back from a changelog topic is
ever unpickled). Wire format, version 1 (all integers little-endian):

    magic        4 bytes   b"DXSN"
    version      u16       RECORD_VERSION
    count        u8        number of snapshots, 1..255, newest first
    per snapshot:
        at       i64       microseconds since the Unix epoch (UTC)
        points   u64       points_seen
        version  u32       the snapshot's version
        length   u32       length of the state
        state    bytes     the detection engine's state format, stored as is
    crc32        u32       of every byte before it

Every failure to read (wrong magic, unknown version, truncated, trailing or corrupted bytes)
raises `schemas.errors.StateFormatError`; so does a value the format cannot hold.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from dexwatch.schemas.errors import StateFormatError
from dexwatch.streams.snapshots.store import DEFAULT_HISTORY, Snapshot

__all__ = [
    "MAGIC",
    "RECORD_VERSION",
    "decode_record",
    "encode_record",
    "push_snapshot",
]

MAGIC: Final = b"DXSN"
RECORD_VERSION: Final = 1
_HEADER: Final = struct.Struct("<4sHB")
_ENTRY: Final = struct.Struct("<qQII")
_CRC: Final = struct.Struct("<I")
_MAX_COUNT: Final = 255
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_U64: Final = 2**64 - 1
_MAX_U32: Final = 2**32 - 1


def encode_record(snapshots: Sequence[Snapshot]) -> bytes:
    """The record holding `snapshots` (newest first; at least one, at most 255)."""
    if not 1 <= len(snapshots) <= _MAX_COUNT:
        raise StateFormatError(f"a record holds 1 to {_MAX_COUNT} snapshots, not {len(snapshots)}")
    parts = [_HEADER.pack(MAGIC, RECORD_VERSION, len(snapshots))]
    for snapshot in snapshots:
        parts.append(
            _ENTRY.pack(
                _micros(snapshot.at),
                _bounded(snapshot.points_seen, _MAX_U64, "points_seen"),
                _bounded(snapshot.version, _MAX_U32, "version"),
                _bounded(len(snapshot.state), _MAX_U32, "state length"),
            )
        )
        parts.append(bytes(snapshot.state))
    out = b"".join(parts)
    return out + _CRC.pack(zlib.crc32(out))


def decode_record(data: bytes) -> tuple[Snapshot, ...]:
    """The snapshots in a record `encode_record` wrote, newest first."""
    view = memoryview(data)
    if len(view) < _HEADER.size + _CRC.size:
        raise StateFormatError(f"snapshot record too short: {len(view)} bytes")
    magic, version, count = _HEADER.unpack_from(view, 0)
    if magic != MAGIC:
        raise StateFormatError(f"not a snapshot record: starts with {bytes(magic)!r}")
    if version != RECORD_VERSION:
        raise StateFormatError(
            f"snapshot record version {version} is not supported (this build reads "
            f"{RECORD_VERSION})"
        )
    (stored_crc,) = _CRC.unpack_from(view, len(view) - _CRC.size)
    if zlib.crc32(view[: len(view) - _CRC.size]) != stored_crc:
        raise StateFormatError("snapshot record is corrupted: its checksum does not match")
    if count == 0:
        raise StateFormatError("snapshot record holds no snapshot")
    end = len(view) - _CRC.size
    offset = _HEADER.size
    snapshots = []
    for index in range(count):
        if offset + _ENTRY.size > end:
            raise StateFormatError(f"snapshot record truncated in snapshot {index}")
        micros, points_seen, snapshot_version, length = _ENTRY.unpack_from(view, offset)
        offset += _ENTRY.size
        if offset + length > end:
            raise StateFormatError(f"snapshot record truncated in the state of snapshot {index}")
        state = bytes(view[offset : offset + length])
        offset += length
        try:
            at = _EPOCH + timedelta(microseconds=micros)
        except OverflowError as error:
            raise StateFormatError(f"snapshot {index} has an impossible time") from error
        snapshots.append(Snapshot(state, at, points_seen, snapshot_version))
    if offset != end:
        raise StateFormatError(f"snapshot record has {end - offset} unexpected trailing bytes")
    return tuple(snapshots)


def push_snapshot(
    record: bytes | None, snapshot: Snapshot, history: int = DEFAULT_HISTORY
) -> bytes:
    """`record` with `snapshot` as the newest, keeping at most `history` snapshots in all."""
    if not 1 <= history <= _MAX_COUNT:
        raise ValueError(f"history must be 1 to {_MAX_COUNT}, not {history}")
    earlier = decode_record(record) if record is not None else ()
    return encode_record((snapshot, *earlier)[:history])


def _micros(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise StateFormatError(f"a snapshot time must be timezone-aware, not {at.isoformat()}")
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _bounded(value: int, maximum: int, name: str) -> int:
    if not 0 <= value <= maximum:
        raise StateFormatError(f"{name} must be 0 to {maximum}, not {value}")
    return value
