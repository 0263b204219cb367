"""Create the topics a command reads and writes before it subscribes.

faust ignores a source topic that does not exist yet when it subscribes, and would then sit
idle until its next metadata refresh: so the worker creates its topics first. Every command
that needs topics (worker, sinks, run, console) calls `ensure_topics`; how they are created
(replicas, `min.insync.replicas`, or not at all) is the environment's `TopicPolicy`
(`DEXWATCH_TOPICS__*`, docs/kafka-connection.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from dexwatch.messaging import confluent_client_config
from dexwatch.messaging.client_errors import FirstClientError
from dexwatch.messaging.topic_creation import (
    Replication,
    TopicPolicy,
    TopicSpec,
    decide_replication,
    topic_policy_from_environment,
)
from dexwatch.schemas.errors import KafkaSetupError

if TYPE_CHECKING:
    from confluent_kafka.admin._metadata import ClusterMetadata

__all__ = ["changelog_topic", "ensure_topic_specs", "ensure_topics", "faust_leader_topic"]

log = logging.getLogger(__name__)


def changelog_topic(app_id: str, table: str) -> str:
    """faust's changelog topic of `table` in app `app_id` (the worker creates these itself)."""
    return f"{app_id}-{table}-changelog"


def faust_leader_topic(app_id: str) -> str:
    """faust's leader-election topic of app `app_id` (one partition; its holder leads)."""
    return f"{app_id}-__assignor-__leader"


def ensure_topics(
    bootstrap_servers: str,
    names: Iterable[str],
    partitions: int,
    *,
    compacted: Iterable[str] = (),
    policy: TopicPolicy | None = None,
) -> Replication:
    """Create the topics of `names` and `compacted` that do not exist yet (`compacted` ones
    with `cleanup.policy=compact`: a table's changelog, whose latest record per key is kept);
    `ensure_topic_specs` for topics of different shapes."""
    compact = list(compacted)
    specs = [TopicSpec(name, partitions) for name in names if name not in compact]
    specs += [TopicSpec(name, partitions, compacted=True) for name in compact]
    return ensure_topic_specs(bootstrap_servers, specs, policy=policy)


def ensure_topic_specs(
    bootstrap_servers: str, specs: Iterable[TopicSpec], *, policy: TopicPolicy | None = None
) -> Replication:
    """Create the topics of `specs` that do not exist yet, with the replication `policy`
    (default: the environment's) decides for this cluster, which is returned. With
    `policy.create` off, raise naming every missing topic instead."""
    policy = policy or topic_policy_from_environment()
    wanted = list({spec.name: spec for spec in specs}.values())
    first_error = FirstClientError()
    admin = AdminClient(
        confluent_client_config(bootstrap_servers)
        | {
            "error_cb": first_error,
            "logger": logging.getLogger("dexwatch.messaging.topics.librdkafka"),
        }
    )
    try:
        cluster = admin.list_topics(timeout=15)
    except KafkaException as error:
        admin.poll(0)  # serves `error_cb`: the cause
        raise KafkaSetupError(
            f"cannot reach Kafka at {bootstrap_servers}: {error}{first_error.describe()}",
            "start it with `dexwatch kafka start`, or set DEXWATCH_BOOTSTRAP_SERVERS; TLS and "
            "SASL: DEXWATCH_KAFKA__* (docs/kafka-connection.md)",
        ) from error
    replication = decide_replication(policy, len(cluster.brokers))
    existing = [spec.name for spec in wanted if spec.name in cluster.topics]
    _warn_under_replicated(cluster, existing, replication)
    missing = [spec for spec in wanted if spec.name not in cluster.topics]
    if not missing:
        return replication
    if not policy.create:
        raise KafkaSetupError(
            f"{len(missing)} topic(s) missing and DEXWATCH_TOPICS__CREATE is false: "
            + ", ".join(spec.describe() for spec in missing),
            f"create them ({replication.describe()} suit this cluster), or let dexwatch create "
            "them (DEXWATCH_TOPICS__CREATE=true)",
        )
    futures = admin.create_topics(
        [
            NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication.factor,
                config=replication.topic_config() | spec.config(),
            )
            for spec in missing
        ]
    )
    for name, future in futures.items():
        try:
            future.result(timeout=30)
            log.info("created topic %s (%s)", name, replication.describe())
        except KafkaException as error:
            if "TOPIC_ALREADY_EXISTS" not in str(error):  # another worker was quicker
                raise KafkaSetupError(
                    f"cannot create topic {name}: {error}",
                    "check the broker's log; if this account may not create topics, create "
                    "them beforehand and set DEXWATCH_TOPICS__CREATE=false",
                ) from error
    return replication


def _warn_under_replicated(
    cluster: ClusterMetadata, existing: list[str], replication: Replication
) -> None:
    """Existing topics with fewer replicas than this cluster's policy: said, not changed (a
    reassignment is the operator's call)."""
    fewer = {
        name: min((len(p.replicas) for p in cluster.topics[name].partitions.values()), default=0)
        for name in existing
    }
    fewer = {name: count for name, count in fewer.items() if count < replication.factor}
    if fewer:
        log.warning(
            "%d topic(s) have fewer replicas than the %d this cluster's topics get (%s): a "
            "broker loss can lose their records; raise their replication with "
            "kafka-reassign-partitions",
            len(fewer),
            replication.factor,
            ", ".join(f"{name}: {count}" for name, count in sorted(fewer.items())),
        )
