"""Dead letters that always fit: at most a prefix of the original, with its size and hash.

A dead letter kept the whole original, base64 in JSON: an original over about 786 KB made one
over Kafka's 1 MiB request limit, the send failed, and the worker crashed past the record. Now
the original is cut to `max_original_bytes` (64 KiB by default), its size and SHA-256 kept
beside it, and the key and reason are bounded too; `shrunk` cuts further when a topic's own
`max.message.bytes` still refuses one.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from dexwatch.schemas.codec import decode, encode
from dexwatch.schemas.dead_letter import DeadLetterRecord
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord

__all__ = ["MAX_KEY_BYTES", "MAX_REASON_CHARS", "dead_letter_output", "shrunk"]

MAX_KEY_BYTES = 4096  # keys name a series: longer is an error of the producer
MAX_REASON_CHARS = 4000


def dead_letter_output(
    topic: str,
    record: ConsumedRecord,
    kind: str,
    reason: str,
    max_original_bytes: int,
    original: bytes | None = None,
) -> OutputRecord:
    """The dead letter of `record` for `topic`. `original`: the element of a batch record that
    was refused (default: the record's value)."""
    whole = record.value if original is None else original
    key = None if record.key is None else record.key[:MAX_KEY_BYTES]
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 3] + "..."
    dead = DeadLetterRecord(
        original=whole[:max_original_bytes],
        original_key=key,
        original_size=len(whole),
        original_sha256=hashlib.sha256(whole).hexdigest(),
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        reason_kind=kind,
        reason=reason,
        failed_at=datetime.now(UTC),
    )
    return OutputRecord(topic, key, encode(dead), dead_letter_reason=kind)


def shrunk(output: OutputRecord) -> OutputRecord | None:
    """`output` with half as much of its original; None when it keeps none to cut."""
    dead = decode(DeadLetterRecord, output.value)
    if not dead.original:
        return None
    smaller = dead.model_copy(update={"original": dead.original[: len(dead.original) // 2]})
    return OutputRecord(output.topic, output.key, encode(smaller), output.dead_letter_reason)
