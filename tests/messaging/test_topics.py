"""Topic creation against the real broker: replication from the cluster, or nothing created."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._config import ConfigResource
from confluent_kafka.admin._resource import ResourceType

from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings
from dexwatch.messaging.topic_creation import Replication, TopicPolicy, TopicSpec
from dexwatch.messaging.topics import ensure_topic_specs, ensure_topics
from dexwatch.schemas.errors import ConfigError, KafkaSetupError
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.worker_topics import worker_topics
from tests.support.kafka_helpers import create_topic, free_port, wait_for

pytestmark = pytest.mark.kafka


def _described(bootstrap: str, name: str) -> tuple[int, str, str] | None:
    """(replicas of partition 0, min.insync.replicas, cleanup.policy) as the broker has them;
    None while the node asked does not know the topic or its partition yet."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    partitions = admin.list_topics(name, timeout=15).topics[name].partitions
    if 0 not in partitions:
        return None
    resource = ConfigResource(ResourceType.TOPIC, name)
    try:
        config = admin.describe_configs([resource])[resource].result(15)
    except KafkaException as error:
        # The node asked for the configs may not know the topic yet (another listed it).
        if error.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
            return None
        raise
    replicas = len(partitions[0].replicas)
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


@pytest.fixture(scope="module")
def three_brokers(
    tmp_path_factory: pytest.TempPathFactory, kafka_settings: LocalKafkaSettings
) -> Iterator[str]:
    """A KRaft cluster of three local nodes (each broker and controller) on free ports, for
    this module only; its bootstrap servers."""
    controllers = {node: free_port() for node in (1, 2, 3)}
    voters = ",".join(f"{node}@127.0.0.1:{port}" for node, port in controllers.items())
    brokers = [
        LocalKafkaBroker(
            LocalKafkaSettings(
                port=free_port(),
                controller_port=controllers[node],
                state_dir=tmp_path_factory.mktemp(f"cluster-node-{node}"),
                cache_dir=kafka_settings.cache_dir,  # the jars of the session's broker
                node_id=node,
                quorum_voters=voters,
                heap="384m",
            )
        )
        for node in controllers
    ]
    try:
        # Together: a node answers only once a majority of the controllers is up.
        with ThreadPoolExecutor(len(brokers)) as starting:
            list(starting.map(LocalKafkaBroker.start, brokers))
        # A node answers before the others have registered, and each node's metadata catches
        # up on its own: ready when every node lists all three (a client may ask any of them).
        for broker in brokers:
            node = broker.settings.bootstrap_servers
            wait_for(partial(_lists_three, node), 60, f"3 live brokers listed by {node}")
        yield ",".join(broker.settings.bootstrap_servers for broker in brokers)
    finally:  # a throw-away cluster: SIGKILL spares each node waiting on a dying quorum
        for broker in brokers:
            broker.crash()


def _lists_three(node: str) -> bool:
    admin = AdminClient({"bootstrap.servers": node})
    return len(admin.list_topics(timeout=15).brokers) == 3


def test_on_three_brokers_every_worker_topic_gets_three_replicas_and_min_insync_two(
    three_brokers: str, unique_name: Callable[[str], str]
) -> None:
    settings = WorkerSettings(app_id=unique_name("app"), topic_partitions=2)
    specs = worker_topics(settings, [unique_name("metrics")])
    assert ensure_topic_specs(three_brokers, specs) == Replication(3, 2)
    expected = {spec.name: (3, "2", "compact" if spec.compacted else "delete") for spec in specs}

    def described() -> bool:  # each node's metadata catches up a moment after the creation
        return {spec.name: _described(three_brokers, spec.name) for spec in specs} == expected

    wait_for(described, 15, f"every topic described as {expected}")
    assert sum(spec.compacted for spec in specs) == 2  # the snapshot and incident changelogs
