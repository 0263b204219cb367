"""The replication new topics get: from the cluster's broker count unless set, and checked."""

from __future__ import annotations

import pytest

from dexwatch.messaging.topic_creation import Replication, TopicPolicy, decide_replication
from dexwatch.messaging.topic_creation.policy import topic_policy_from_environment
from dexwatch.schemas.errors import ConfigError


@pytest.mark.parametrize(
    ("brokers", "factor", "min_insync"),
    [(1, 1, 1), (2, 2, 1), (3, 3, 2), (6, 3, 2)],
)
def test_the_default_follows_the_broker_count_up_to_three(
    brokers: int, factor: int, min_insync: int
) -> None:
    assert decide_replication(TopicPolicy(), brokers) == Replication(factor, min_insync)


def test_set_values_are_used_as_given() -> None:
    policy = TopicPolicy(replication_factor=2, min_insync_replicas=2)
    assert decide_replication(policy, 5) == Replication(2, 2)
    assert decide_replication(TopicPolicy(replication_factor=4), 5) == Replication(4, 2)
    assert decide_replication(TopicPolicy(min_insync_replicas=1), 3) == Replication(3, 1)


def test_more_replicas_than_brokers_fails_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="REPLICATION_FACTOR is 3 but the cluster has 1"):
        decide_replication(TopicPolicy(replication_factor=3), 1)


def test_min_insync_above_the_derived_factor_fails_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="MIN_INSYNC_REPLICAS is 2 but topics get 1"):
        decide_replication(TopicPolicy(min_insync_replicas=2), 1)


def test_bad_environment_values_fail_at_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEXWATCH_TOPICS__REPLICATION_FACTOR", "0")
    with pytest.raises(ConfigError, match=r"DEXWATCH_TOPICS__REPLICATION_FACTOR: .*greater"):
        topic_policy_from_environment()
    monkeypatch.setenv("DEXWATCH_TOPICS__REPLICATION_FACTOR", "2")
    monkeypatch.setenv("DEXWATCH_TOPICS__MIN_INSYNC_REPLICAS", "3")
    with pytest.raises(ConfigError, match="min_insync_replicas 3 is more than"):
        topic_policy_from_environment()
    monkeypatch.setenv("DEXWATCH_TOPICS__MIN_INSYNC_REPLICAS", "1")
    monkeypatch.setenv("DEXWATCH_TOPICS__CREATE", "false")
    assert topic_policy_from_environment() == TopicPolicy(
        create=False, replication_factor=2, min_insync_replicas=1
    )
