"""What a committed offset of an input partition stands for, kept in the commit's metadata."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson

__all__ = ["METADATA_LIMIT", "CommitMark", "decode_mark", "encode_mark"]

log = logging.getLogger(__name__)

PREFIX = "dexwatch/1 "
# Kafka refuses commit metadata over `offset.metadata.max.bytes` (4,096 by default).
METADATA_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class CommitMark:
    """Records before `acked` are finished; records before `processed` were all handled
    (scored, dead-lettered, or held in an interval that was open); the intervals of each
    interval dataset ending by its `watermarks` entry (µs since the epoch) were scored."""

    acked: int
    processed: int
    watermarks: Mapping[str, int] = field(default_factory=dict)


def encode_mark(mark: CommitMark) -> str:
    body = orjson.dumps({"a": mark.acked, "p": mark.processed, "w": dict(mark.watermarks)})
    return PREFIX + body.decode()


def decode_mark(text: str | None) -> CommitMark | None:
    """The mark in a commit's metadata; None when there is none (a commit made by another
    tool, or before marks existed) or it cannot be read (logged: the partition is then
    read from its committed offset as before)."""
    if not text or not text.startswith(PREFIX):
        return None
    try:
        data = orjson.loads(text[len(PREFIX) :])
        watermarks = {str(name): int(value) for name, value in data["w"].items()}
        return CommitMark(int(data["a"]), int(data["p"]), watermarks)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
        log.warning("ignoring unreadable commit metadata %r: %s", text[:200], error)
        return None
