"""How many replicas a created topic gets, from the policy and the cluster's broker count.

The default follows the cluster: one broker gives 1 (all a single node can hold), three or
more give 3 with `min.insync.replicas` 2, so an acknowledged write (`acks=all`, faust's and our
producers' setting) survives the loss of one broker and the topic stays writable while one is
down. Never 1 on a multi-broker cluster unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from dexwatch.messaging.topic_creation.policy import TopicPolicy
from dexwatch.schemas.errors import ConfigError

__all__ = ["DEFAULT_MAX_REPLICATION", "Replication", "decide_replication"]

DEFAULT_MAX_REPLICATION = 3  # more copies cost disk and latency and add little safety


@dataclass(frozen=True, slots=True)
class Replication:
    factor: int
    min_insync: int

    def topic_config(self) -> dict[str, str]:
        return {"min.insync.replicas": str(self.min_insync)}

    def describe(self) -> str:
        return f"replication factor {self.factor}, min.insync.replicas {self.min_insync}"


def decide_replication(policy: TopicPolicy, brokers: int) -> Replication:
    """The replication of new topics on a cluster of `brokers` (those live: its metadata lists
    no others, so with a broker down the default is one lower; set the factor to refuse that);
    `ConfigError` naming the variable when the policy asks for more than the cluster holds."""
    factor = policy.replication_factor or min(brokers, DEFAULT_MAX_REPLICATION)
    if factor > brokers:
        raise ConfigError(
            f"DEXWATCH_TOPICS__REPLICATION_FACTOR is {factor} but the cluster has {brokers} "
            f"live broker(s); start the others, or set it to {brokers} or less"
        )
    insync = policy.min_insync_replicas or max(1, min(factor - 1, 2))
    if insync > factor:
        raise ConfigError(
            f"DEXWATCH_TOPICS__MIN_INSYNC_REPLICAS is {insync} but topics get {factor} "
            "replica(s): no write could succeed; lower it or raise "
            "DEXWATCH_TOPICS__REPLICATION_FACTOR"
        )
    return Replication(factor, insync)
