"""Split a consumed batch into chunks of bounded size, so outputs leave between chunks.

After a stall the agent can take a large batch (up to 1,000 records, each an envelope of many
events): handled whole, its first record's anomaly would wait for the last record's scoring.
Chunks of a few hundred KB (about a thousand DEX events, a few ms of work) keep that wait short
and cost one extra compiled call per chunk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dexwatch.streams.intake.records import ConsumedRecord

__all__ = ["CHUNK_BYTES", "chunks_by_size"]

CHUNK_BYTES = 256 * 1024


def chunks_by_size(
    records: Sequence[ConsumedRecord], max_bytes: int = CHUNK_BYTES
) -> Iterator[Sequence[ConsumedRecord]]:
    """Consecutive runs of `records` whose values add up to at most `max_bytes` (a record
    larger than that is a chunk of its own); order is kept."""
    start, size = 0, 0
    for index, record in enumerate(records):
        length = len(record.value or b"")  # a tombstone has no value: it weighs nothing
        if index > start and size + length > max_bytes:
            yield records[start:index]
            start, size = index, 0
        size += length
    if start < len(records):
        yield records[start:]
