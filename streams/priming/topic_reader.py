"""A bounded read of one topic: every partition from a start position to its end, in batches.

The end is each partition's high-water mark read when the reader opens, so a replay
terminates even while producers keep writing. The consumer joins no group and commits nothing
(`enable.auto.commit=false`, partitions assigned explicitly): reading history leaves no trace
on the cluster.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import confluent_kafka
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from dexwatch.messaging import confluent_client_config
from dexwatch.schemas.errors import ConfigError, DexwatchError
from dexwatch.streams.intake.records import ConsumedRecord
from dexwatch.tabular.closing import Closing

__all__ = ["PartitionRange", "StartPosition", "TopicReadError", "TopicReader"]

_LEADER_WAIT_S = 15.0
_NO_LEADER_YET = frozenset({KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE})

log = logging.getLogger(__name__)

ConsumerFactory = Callable[[dict[str, Any]], Any]


class TopicReadError(DexwatchError, RuntimeError):
    """The topic could not be read (missing, unreachable broker, a consumer error)."""


@dataclass(frozen=True, slots=True)
class StartPosition:
    """Where each partition is read from: its beginning, an offset, or a record time.

    A time selects by the records' Kafka timestamps (`offsets_for_times`): for each partition,
    the first record stamped at or after it.
    """

    offset: int | None = None
    time: datetime | None = None

    def __post_init__(self) -> None:
        if self.offset is not None and self.time is not None:
            raise ConfigError("start either at an offset or at a time, not both")
        if self.offset is not None and self.offset < 0:
            raise ConfigError(f"a start offset is >= 0, got {self.offset}")
        if self.time is not None and self.time.tzinfo is None:
            raise ConfigError("a start time must be timezone-aware")

    def describe(self) -> str:
        if self.offset is not None:
            return f"offset {self.offset}"
        if self.time is not None:
            return f"time {self.time.isoformat()}"
        return "the beginning"


@dataclass(frozen=True, slots=True)
class PartitionRange:
    """One partition's records to read: offsets `start` (inclusive) to `end` (exclusive)."""

    partition: int
    start: int
    end: int

    @property
    def count(self) -> int:
        """At most this many records (fewer after compaction or transaction markers)."""
        return max(0, self.end - self.start)


def _confluent_consumer(config: dict[str, Any]) -> Any:
    return confluent_kafka.Consumer(config)


class TopicReader(Closing):
    """Reads `topic` from `start` to the high-water marks of when it opened; a context manager."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        start: StartPosition,
        *,
        timeout_s: float = 10.0,
        idle_timeout_s: float = 30.0,
        consumer_factory: ConsumerFactory = _confluent_consumer,
        ranges: Sequence[PartitionRange] | None = None,
    ) -> None:
        """`idle_timeout_s`: give up when no record arrives for this long before the end.
        `ranges`: read exactly these (e.g. offsets a consumer skipped) instead of `start` on."""
        self.topic = topic
        self.start = start
        self.timeout_s = timeout_s
        self.idle_timeout_s = idle_timeout_s
        self._consumer = consumer_factory(
            {
                **confluent_client_config(bootstrap_servers),
                # librdkafka wants a group id; with no commits and no subscribe, none is joined.
                "group.id": f"dexwatch-backtest-{uuid.uuid4().hex[:12]}",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "enable.partition.eof": True,
                "auto.offset.reset": "earliest",
                "logger": logging.getLogger("dexwatch.streams.priming.topic_reader.librdkafka"),
            }
        )
        try:
            self.ranges = list(ranges) if ranges is not None else self._plan()
        except BaseException:
            self._consumer.close()
            raise

    @property
    def total(self) -> int:
        """How many records the ranges span."""
        return sum(part.count for part in self.ranges)

    def batches(self, max_records: int = 1000) -> Iterator[list[ConsumedRecord]]:
        """The records in ranges, in batches of at most `max_records`, in each partition's order."""
        todo = {part.partition: part for part in self.ranges if part.count > 0}
        if not todo:
            return
        self._consumer.assign(
            [TopicPartition(self.topic, part.partition, part.start) for part in todo.values()]
        )
        last_progress = time.monotonic()
        while todo:
            messages = self._consumer.consume(num_messages=max_records, timeout=0.5)
            batch: list[ConsumedRecord] = []
            for message in messages:
                partition, offset = message.partition(), message.offset()
                part = todo.get(partition)
                error = message.error()
                if error is not None:
                    if error.code() != KafkaError._PARTITION_EOF:
                        raise TopicReadError(f"reading {self.topic}[{partition}]: {error.str()}")
                    if part is not None and offset >= part.end:
                        self._finish(todo, partition)
                    continue
                if part is None:
                    continue  # a finished partition
                if offset >= part.end:  # written after the replay started; the range is done
                    self._finish(todo, partition)
                    continue
                batch.append(
                    ConsumedRecord(
                        topic=self.topic,
                        partition=partition,
                        offset=offset,
                        key=message.key(),
                        value=message.value() or b"",
                    )
                )
                if offset >= part.end - 1:
                    self._finish(todo, partition)
            if batch:
                last_progress = time.monotonic()
                yield batch
            elif time.monotonic() - last_progress > self.idle_timeout_s:
                waiting = ", ".join(str(partition) for partition in sorted(todo))
                raise TopicReadError(
                    f"no record from {self.topic} for {self.idle_timeout_s:.0f} s while "
                    f"partition(s) {waiting} had more to read; is the broker still up?"
                )

    def close(self) -> None:
        self._consumer.close()

    def _finish(self, todo: dict[int, PartitionRange], partition: int) -> None:
        del todo[partition]
        self._consumer.pause([TopicPartition(self.topic, partition)])

    def _plan(self) -> list[PartitionRange]:
        partitions = self._partitions()
        marks = {
            p: self._call(self._consumer.get_watermark_offsets, self._tp(p)) for p in partitions
        }
        starts = self._starts(partitions, marks)
        ranges = []
        for partition in partitions:
            low, high = marks[partition]
            start = min(max(starts[partition], low), high)
            if self.start.offset is not None and self.start.offset < low:
                log.warning(
                    "%s[%d]: offset %d is gone (retention); starting at %d",
                    self.topic,
                    partition,
                    self.start.offset,
                    low,
                )
            ranges.append(PartitionRange(partition, start, high))
        return ranges

    def _partitions(self) -> list[int]:
        metadata = self._call(self._consumer.list_topics, self.topic)
        found = metadata.topics.get(self.topic)
        if found is None or found.error is not None or not found.partitions:
            problem = found.error.str() if found is not None and found.error else "no partitions"
            raise TopicReadError(f"cannot read topic {self.topic!r}: {problem}")
        return sorted(found.partitions)

    def _starts(self, partitions: list[int], marks: dict[int, tuple[int, int]]) -> dict[int, int]:
        if self.start.time is None:
            offset = self.start.offset
            return {p: (marks[p][0] if offset is None else offset) for p in partitions}
        millis = int(self.start.time.timestamp() * 1000)
        found = self._call(
            self._consumer.offsets_for_times, [self._tp(p, millis) for p in partitions]
        )
        # -1: no record stamped at or after the time, so nothing to read there.
        return {
            tp.partition: (marks[tp.partition][1] if tp.offset < 0 else tp.offset) for tp in found
        }

    def _tp(self, partition: int, offset: int = -1001) -> TopicPartition:
        return TopicPartition(self.topic, partition, offset)

    def _call(self, method: Callable[..., Any], argument: Any) -> Any:
        deadline = time.monotonic() + _LEADER_WAIT_S
        while True:
            try:
                return method(argument, timeout=self.timeout_s)
            except KafkaException as error:
                cause = error.args[0] if error.args else error
                # A topic created a moment ago has no leader for a few seconds: wait it out.
                waiting = isinstance(cause, KafkaError) and cause.code() in _NO_LEADER_YET
                if waiting and time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                detail = cause.str() if isinstance(cause, KafkaError) else str(cause)
                raise TopicReadError(
                    f"cannot read topic {self.topic!r}: {detail}; is the broker "
                    "running and reachable? Check with `dexwatch kafka status`."
                ) from error
