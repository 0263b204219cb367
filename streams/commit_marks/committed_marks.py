"""A group's committed offsets and their marks, read without joining the group."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass

import confluent_kafka
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from schemas.errors import DexwatchError
from streams.commit_marks.checkpoint import Partition
from streams.commit_marks.commit_mark import CommitMark, decode_mark

__all__ = ["Committed", "CommittedReadError", "read_committed"]

log = logging.getLogger(__name__)

RETRY_S = 0.2
COORDINATOR_MOVING = {
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
}


class CommittedReadError(DexwatchError, RuntimeError):
    """The group's committed offsets could not be read."""


@dataclass(frozen=True, slots=True)
class Committed:
    """A partition's committed offset (None: nothing committed yet) and its mark, if any."""

    offset: int | None
    mark: CommitMark | None


def read_committed(
    bootstrap_servers: str, group: str, partitions: Collection[Partition], timeout_s: float = 10.0
) -> dict[Partition, Committed]:
    """Blocking (call it in a thread). A consumer that names the group but never subscribes
    reads its commits without joining it."""
    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": group,
            "enable.auto.commit": False,
            "logger": logging.getLogger("streams.commit_marks.librdkafka"),
        }
    )
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                found = consumer.committed(
                    [TopicPartition(topic, partition) for topic, partition in partitions],
                    timeout=max(0.1, deadline - time.monotonic()),
                )
                break
            except KafkaException as error:
                cause = error.args[0] if error.args else error
                if _passing(cause) and time.monotonic() < deadline:
                    time.sleep(RETRY_S)
                    continue
                detail = cause.str() if isinstance(cause, KafkaError) else str(cause)
                raise CommittedReadError(
                    f"cannot read group {group!r}'s commits: {detail}"
                ) from error
    finally:
        consumer.close()
    return {
        (tp.topic, tp.partition): Committed(
            tp.offset if tp.offset >= 0 else None, decode_mark(tp.metadata)
        )
        for tp in found
    }


def _passing(cause: object) -> bool:
    """The group's coordinator moving or loading (just after a restart): retry."""
    return isinstance(cause, KafkaError) and (
        cause.retriable() or cause.code() in COORDINATOR_MOVING
    )
