"""The snapshot tables' changelog topics, read and written as plain Kafka topics (no faust).

A worker restores its models from its snapshot table, which faust rebuilds from the table's
changelog topic on start (docs/snapshots.md). A record there is exactly what the table holds:
key the snapshot key (`dataset_runtime.snapshot_key`, UTF-8), value a snapshot record
(`snapshot_record.py`), in the partition of the series' source partition (faust looks a key up
in the partition of the event being processed). So `dexwatch prime` writes the same records
to the same place, and a worker started after it resumes those models as its own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import confluent_kafka

from dexwatch.messaging import confluent_client_config
from dexwatch.schemas.errors import DexwatchError

__all__ = ["ChangelogRecord", "ChangelogWriteError", "snapshot_keys", "write_changelog"]

log = logging.getLogger(__name__)

_FLUSH_TIMEOUT_S = 60.0


class ChangelogWriteError(DexwatchError, RuntimeError):
    """Snapshot records the broker did not take."""


@dataclass(frozen=True, slots=True)
class ChangelogRecord:
    partition: int
    key: str
    value: bytes


def snapshot_keys(bootstrap_servers: str, topic: str) -> set[str]:
    """The keys holding a snapshot in changelog `topic` now (a tombstone removes its key)."""
    # Imported here: priming imports this module (`ChangelogRecord`), and importing the
    # priming package first would find this module half loaded.
    from dexwatch.streams.priming.topic_reader import StartPosition, TopicReader

    held: set[str] = set()
    with TopicReader(bootstrap_servers, topic, StartPosition()) as reader:
        for batch in reader.batches():
            for record in batch:
                key = (record.key or b"").decode("utf-8", errors="replace")
                if record.value:
                    held.add(key)
                else:
                    held.discard(key)
    return held


def write_changelog(
    bootstrap_servers: str,
    topic: str,
    records: Iterable[ChangelogRecord],
    extra_config: Mapping[str, Any] | None = None,
) -> int:
    """Produce `records` to `topic`, each in its partition, and wait for the broker; how many.
    Raises `ChangelogWriteError` naming the first failure when any record was not taken.
    `extra_config`: more librdkafka settings (e.g. a smaller queue)."""
    config: dict[str, Any] = confluent_client_config(bootstrap_servers) | {
        "enable.idempotence": True,
        "acks": "all",
        "compression.type": "lz4",
        "logger": logging.getLogger("dexwatch.streams.snapshots.librdkafka"),
    }
    config.update(extra_config or {})
    producer = confluent_kafka.Producer(config)
    failures: list[str] = []

    def delivered(error: Any, _message: Any) -> None:
        if error is not None:
            failures.append(str(error))

    sent = 0
    for record in records:
        while True:
            try:
                producer.produce(
                    topic,
                    key=record.key.encode(),
                    value=record.value,
                    partition=record.partition,
                    on_delivery=delivered,
                )
                break
            except BufferError:  # the local queue is full: let deliveries drain it
                producer.poll(0.5)
        producer.poll(0)
        sent += 1
    left = producer.flush(_FLUSH_TIMEOUT_S)
    if left or failures:
        first = failures[0] if failures else f"{left} still queued after {_FLUSH_TIMEOUT_S:.0f} s"
        raise ChangelogWriteError(
            f"{len(failures) + left} of {sent} snapshot record(s) not written to {topic}: {first}"
        )
    return sent
