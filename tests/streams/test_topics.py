"""Topic creation against the real broker: replication from the cluster, or nothing created."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._config import ConfigResource
from confluent_kafka.admin._resource import ResourceType

from schemas.errors import ConfigError, KafkaSetupError
from streams.topic_creation import Replication, TopicPolicy, TopicSpec
from streams.topics import ensure_topic_specs, ensure_topics
from tests.kafka_helpers import create_topic, wait_for

pytestmark = pytest.mark.kafka


def _described(bootstrap: str, name: str) -> tuple[int, str, str]:
    """(replicas of partition 0, min.insync.replicas, cleanup.policy) as the broker has them."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    replicas = len(admin.list_topics(name, timeout=15).topics[name].partitions[0].replicas)
    resource = ConfigResource(ResourceType.TOPIC, name)
    config = admin.describe_configs([resource])[resource].result(15)
    return replicas, config["min.insync.replicas"].value, config["cleanup.policy"].value


def test_the_default_replication_is_the_clusters_broker_count(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    brokers = len(AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics().brokers)
    plain, changelog = unique_name("plain"), unique_name("changelog")
    decided = ensure_topics(kafka_bootstrap, [plain], 2, compacted=[changelog])
    assert decided == Replication(factor=brokers, min_insync=1) == Replication(1, 1)
    assert _described(kafka_bootstrap, plain) == (brokers, "1", "delete")
    assert _described(kafka_bootstrap, changelog) == (brokers, "1", "compact")
    with pytest.raises(ConfigError, match="REPLICATION_FACTOR is 2 but the cluster has 1"):
        ensure_topics(kafka_bootstrap, [plain], 2, policy=TopicPolicy(replication_factor=2))


def test_create_nothing_names_every_missing_topic_then_passes_once_they_exist(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    present, absent, changelog = (unique_name(kind) for kind in ("present", "absent", "log"))
    create_topic(kafka_bootstrap, present, partitions=3)
    specs = [
        TopicSpec(present, 3),
        TopicSpec(absent, 3),
        TopicSpec(changelog, 3, compacted=True),
    ]
    nothing = TopicPolicy(create=False)
    with pytest.raises(KafkaSetupError) as raised:
        ensure_topic_specs(kafka_bootstrap, specs, policy=nothing)
    first_line = str(raised.value).splitlines()[0]
    assert first_line == (
        f"2 topic(s) missing and DEXWATCH_TOPICS__CREATE is false: {absent} (3 partitions), "
        f"{changelog} (3 partitions, cleanup.policy=compact)"
    )
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    listed = admin.list_topics(timeout=15).topics
    assert absent not in listed  # nothing was created
    assert changelog not in listed
    create_topic(kafka_bootstrap, absent, partitions=3)
    create_topic(kafka_bootstrap, changelog, partitions=3, config={"cleanup.policy": "compact"})
    # The broker's metadata lists a new topic a moment after its creation is acknowledged.
    wait_for(lambda: {absent, changelog} <= set(admin.list_topics(timeout=15).topics), 15, "topics")
    assert ensure_topic_specs(kafka_bootstrap, specs, policy=nothing) == Replication(1, 1)
