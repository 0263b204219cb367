"""History as the worker would have consumed it: records of a topic or a file, in batches.

The worker restores a series' snapshot from the table partition of the source partition its
records arrive on, so a primed series must be written where its live records will land. From
the dataset's own topic that is where they are; from a file, or another topic fed as the
dataset's (`as_topic`), it is where dexwatch's producers put them: the CRC32 of the record key
(the series key) modulo the partition count, librdkafka's `consistent` partitioner
(`connectors.kafka_producer.DEFAULT_PRODUCER_CONFIG`).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from dexwatch.connectors.file_replay import CsvLayout, RejectedRow, ReplayFormat, read_events
from dexwatch.messaging import confluent_client_config
from dexwatch.schemas.codec import encode
from dexwatch.schemas.errors import KafkaSetupError
from dexwatch.streams.intake.records import ConsumedRecord
from dexwatch.streams.priming.topic_reader import StartPosition, TopicReader

__all__ = ["BATCH_RECORDS", "file_records", "partition_of", "topic_partitions", "topic_records"]

BATCH_RECORDS = 1000  # as the worker's agent takes them (streams.engine.faust.app.BATCH_RECORDS)

Batches = Iterator[list[ConsumedRecord]]


def partition_of(key: bytes, partitions: int) -> int:
    """The partition librdkafka's `consistent` partitioner gives `key` (an empty key: 0)."""
    return zlib.crc32(key) % partitions


def topic_partitions(bootstrap_servers: str, topic: str) -> int | None:
    """How many partitions `topic` has, or None when it does not exist."""
    admin = AdminClient(confluent_client_config(bootstrap_servers))
    try:
        found = admin.list_topics(topic=topic, timeout=15).topics.get(topic)
    except KafkaException as error:
        raise KafkaSetupError(
            f"cannot reach Kafka at {bootstrap_servers}: {error}",
            "start it with `dexwatch kafka start`, or set DEXWATCH_BOOTSTRAP_SERVERS",
        ) from error
    if found is None or found.error is not None or not found.partitions:
        return None
    return len(found.partitions)


class _Placer:
    """Gives records of `topic` the partition and the next offset a producer would give them."""

    def __init__(self, topic: str, partitions: int) -> None:
        self.topic = topic
        self.partitions = partitions
        self._next: defaultdict[int, int] = defaultdict(int)

    def place(self, key: bytes, value: bytes) -> ConsumedRecord:
        partition = partition_of(key, self.partitions)
        offset = self._next[partition]
        self._next[partition] = offset + 1
        return ConsumedRecord(self.topic, partition, offset, key, value)


def file_records(
    path: Path,
    file_format: ReplayFormat,
    layout: CsvLayout | None,
    *,
    topic: str,
    partitions: int,
    on_reject: Callable[[RejectedRow], None],
) -> Batches:
    """The events of a file (as `dexwatch replay` reads it) as records of `topic`, keyed by
    series key as producers send them; bad rows go to `on_reject`."""
    placer = _Placer(topic, partitions)
    batch: list[ConsumedRecord] = []
    for _line, event in read_events(path, file_format, on_reject, layout):
        batch.append(placer.place(event.series_key.encode(), encode(event)))
        if len(batch) >= BATCH_RECORDS:
            yield batch
            batch = []
    if batch:
        yield batch


def topic_records(
    bootstrap_servers: str,
    topic: str,
    start: StartPosition,
    *,
    as_topic: str | None = None,
    partitions: int = 1,
) -> Batches:
    """`topic` from `start` to its end as of now; with `as_topic`, each record as if it had
    been produced to `as_topic` (of `partitions` partitions) under its own key."""
    placer = _Placer(as_topic, partitions) if as_topic not in (None, topic) else None
    with TopicReader(bootstrap_servers, topic, start) as reader:
        for batch in reader.batches(BATCH_RECORDS):
            if placer is None:
                yield batch
            else:
                yield [placer.place(record.key or b"", record.value) for record in batch]
