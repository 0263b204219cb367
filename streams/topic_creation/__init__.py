"""How dexwatch creates its topics on a cluster: replication, `min.insync.replicas`, or nothing.

`streams.topics.ensure_topics` is the one entry point; these modules hold its settings
(`TopicPolicy`, from `DEXWATCH_TOPICS__*`) and its decision (`decide_replication`).
"""

from dexwatch.streams.topic_creation.replication import Replication, decide_replication
from dexwatch.streams.topic_creation.topic_policy import TopicPolicy, topic_policy_from_environment
from dexwatch.streams.topic_creation.topic_spec import TopicSpec

__all__ = [
    "Replication",
    "TopicPolicy",
    "TopicSpec",
    "decide_replication",
    "topic_policy_from_environment",
]
