"""What a sink consumer needs from Kafka: the subset of `aiokafka.AIOKafkaConsumer` it uses.

aiokafka ships no type information; these protocols are the typed edge (and what unit tests
fake).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from aiokafka.structs import TopicPartition

__all__ = ["AlertRecord", "AlertsConsumer"]


class AlertRecord(Protocol):
    """One record of the alerts topic."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


class AlertsConsumer(Protocol):
    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int | None = None
    ) -> Mapping[TopicPartition, Sequence[AlertRecord]]: ...

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> None: ...

    def pause(self, *partitions: TopicPartition) -> None: ...

    def resume(self, *partitions: TopicPartition) -> None: ...

    def assignment(self) -> set[TopicPartition]: ...
