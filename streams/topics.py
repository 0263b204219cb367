"""Create the topics a worker reads and writes before it subscribes.

faust ignores a source topic that does not exist yet when it subscribes, and would then sit
idle until its next metadata refresh: so the worker creates its topics first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from schemas.errors import KafkaSetupError
from streams.kafka_connection import confluent_client_config
from streams.kafka_connection.client_errors import FirstClientError

__all__ = ["changelog_topic", "ensure_topics"]

log = logging.getLogger(__name__)


def changelog_topic(app_id: str, table: str) -> str:
    """faust's changelog topic of `table` in app `app_id` (the worker creates these itself)."""
    return f"{app_id}-{table}-changelog"


def ensure_topics(
    bootstrap_servers: str,
    names: Iterable[str],
    partitions: int,
    *,
    compacted: Iterable[str] = (),
) -> None:
    """Create the topics of `names` and `compacted` that do not exist yet (`compacted` ones
    with `cleanup.policy=compact`: a table's changelog, whose latest record per key is kept)."""
    compact = set(compacted)
    names = [*names, *compact]
    first_error = FirstClientError()
    admin = AdminClient(
        confluent_client_config(bootstrap_servers)
        | {"error_cb": first_error, "logger": logging.getLogger("streams.topics.librdkafka")}
    )
    try:
        existing = set(admin.list_topics(timeout=15).topics)
    except KafkaException as error:
        admin.poll(0)  # serves `error_cb`: the cause
        raise KafkaSetupError(
            f"cannot reach Kafka at {bootstrap_servers}: {error}{first_error.describe()}",
            "start it with `dexwatch kafka start`, or set DEXWATCH_BOOTSTRAP_SERVERS; TLS and "
            "SASL: DEXWATCH_KAFKA__* (docs/kafka-connection.md)",
        ) from error
    missing = [name for name in dict.fromkeys(names) if name not in existing]
    if not missing:
        return
    futures = admin.create_topics(
        [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=1,
                config={"cleanup.policy": "compact"} if name in compact else {},
            )
            for name in missing
        ]
    )
    for name, future in futures.items():
        try:
            future.result(timeout=30)
            log.info("created topic %s (%d partitions)", name, partitions)
        except KafkaException as error:
            if "TOPIC_ALREADY_EXISTS" not in str(error):  # another worker was quicker
                raise KafkaSetupError(
                    f"cannot create topic {name}: {error}", "check the broker's log"
                ) from error
