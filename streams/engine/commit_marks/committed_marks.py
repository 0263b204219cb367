"""A group's committed offsets and their marks, read without joining the group.

aiokafka's admin client, not confluent-kafka's: librdkafka hands commit metadata back without
its length (python `TopicPartition.metadata` reads on past the end and fails to decode).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from dexwatch.messaging import connection_for
from dexwatch.messaging.aiokafka_config import aiokafka_config
from dexwatch.schemas.errors import DexwatchError
from dexwatch.streams.engine.commit_marks.commit_mark import CommitMark, decode_mark
from dexwatch.streams.intake.records import Partition

__all__ = ["Committed", "CommittedReadError", "read_committed"]

log = logging.getLogger(__name__)

RETRY_S = 0.2


class CommittedReadError(DexwatchError, RuntimeError):
    """The group's committed offsets could not be read."""


@dataclass(frozen=True, slots=True)
class Committed:
    """A partition's committed offset (None: nothing committed yet) and its mark, if any."""

    offset: int | None
    mark: CommitMark | None


async def read_committed(
    bootstrap_servers: str, group: str, partitions: Collection[Partition], timeout_s: float = 10.0
) -> dict[Partition, Committed]:
    """Retries while the group's coordinator moves or loads (just after a restart)."""
    admin = AIOKafkaAdminClient(
        **aiokafka_config(connection_for(bootstrap_servers)),
        request_timeout_ms=int(timeout_s * 1000),
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    try:
        await admin.start()
        while True:
            try:
                found = await admin.list_consumer_group_offsets(
                    group, partitions=[TopicPartition(t, p) for t, p in partitions]
                )
                break
            except KafkaError as error:
                if getattr(error, "retriable", False) and loop.time() < deadline:
                    await asyncio.sleep(RETRY_S)
                    continue
                raise CommittedReadError(
                    f"cannot read group {group!r}'s commits: {error!r}"
                ) from error
    except KafkaError as error:  # start(): no broker
        raise CommittedReadError(f"cannot read group {group!r}'s commits: {error!r}") from error
    finally:
        await admin.close()
    return {
        (tp.topic, tp.partition): Committed(
            meta.offset if meta.offset >= 0 else None, decode_mark(meta.metadata)
        )
        for tp, meta in found.items()
    }
