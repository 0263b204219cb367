"""Batch envelopes whose events all land on the partition their record key hashes to.

A worker keeps each series' model where the series' partition is consumed, so a record that
carries many events (a JSON array, `schemas.codec.decode_many`) must hold only series of one
partition, and that must be the partition the same series would reach as single events keyed
by their series key. Both hold when the partition is Kafka's default for the key (murmur2,
positive, modulo the partition count: what the Java client, aiokafka and librdkafka's
`murmur2`/`murmur2_random` partitioners compute) and an envelope is keyed by the series key of
one of its own events.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

__all__ = ["envelopes", "murmur2", "partition_for"]

_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's `Utils.murmur2`: a signed 32-bit hash, seed 0x9747b28c."""
    length = len(data)
    h = (0x9747B28C ^ length) & _MASK
    whole = length - length % 4
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    tail = length % 4
    if tail == 3:
        h ^= data[whole + 2] << 16
    if tail >= 2:
        h ^= data[whole + 1] << 8
    if tail >= 1:
        h ^= data[whole]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives a keyed record."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def envelopes(
    events: Iterable[tuple[bytes, object]], partitions: int, size: int
) -> Iterator[tuple[bytes, int, bytes]]:
    """`(series key, event)` in stream order -> `(record key, partition, JSON array)` records.

    Events are grouped per partition of their series key; an envelope is emitted when it holds
    `size` events, and every partly filled one at the end. An envelope's key is the series key
    of its first event, so it hashes to the partition of every event inside. Within a series,
    events keep their order (one partition, emitted in order).
    """
    if size < 1:
        raise ValueError("an envelope holds at least one event")
    cache: dict[bytes, int] = {}
    open_: dict[int, tuple[bytes, list[object]]] = {}
    for series, event in events:
        partition = cache.get(series)
        if partition is None:
            partition = cache[series] = partition_for(series, partitions)
        held = open_.get(partition)
        if held is None:
            held = open_[partition] = (series, [])
        held[1].append(event)
        if len(held[1]) >= size:
            del open_[partition]
            yield held[0], partition, orjson.dumps(held[1])
    for partition, (key, items) in sorted(open_.items()):
        yield key, partition, orjson.dumps(items)
