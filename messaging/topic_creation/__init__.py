"""How dexwatch creates its topics on a cluster: replication, `min.insync.replicas`, or nothing.

`messaging.topics.ensure_topics` is the one entry point; these modules hold its settings
(`TopicPolicy`, from `DEXWATCH_TOPICS__*`) and its decision (`decide_replication`).
"""

from dexwatch.messaging.topic_creation.policy import TopicPolicy, topic_policy_from_environment
from dexwatch.messaging.topic_creation.replication import Replication, decide_replication
from dexwatch.messaging.topic_creation.spec import TopicSpec

__all__ = [
    "Replication",
    "TopicPolicy",
    "TopicSpec",
    "decide_replication",
    "topic_policy_from_environment",
]
