"""Every topic a worker reads or writes, its changelogs and faust's own included.

faust declares its changelogs and leader topic too, but a topic created as it subscribes is
ignored until its next metadata refresh (and a table refuses writes while it sees 0
partitions); and only here do they get the cluster's replication and `min.insync.replicas`.
"""

from __future__ import annotations

from collections.abc import Sequence

from dexwatch.messaging.topic_creation import TopicSpec
from dexwatch.messaging.topics import changelog_topic, faust_leader_topic
from dexwatch.streams.incidents.inputs import (
    incident_inputs_topic,
    incident_state_changelog,
)
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.snapshots.table_names import snapshot_table_name

__all__ = ["worker_topics"]


def worker_topics(settings: WorkerSettings, input_topics: Sequence[str]) -> list[TopicSpec]:
    """The topics of a worker reading `input_topics` (its datasets' sources, in order)."""
    partitions = settings.topic_partitions
    plain = [
        *input_topics,
        settings.topics.anomalies,
        settings.topics.dead_letter,
        settings.topics.model_actions,
        settings.topics.scores,
        settings.topics.alerts,
        settings.topics.feedback,
        incident_inputs_topic(settings.app_id),
    ]
    compacted = [
        incident_state_changelog(settings.app_id),
        *(
            changelog_topic(settings.app_id, snapshot_table_name(index))
            for index in range(len(input_topics))
        ),
    ]
    return [
        *(TopicSpec(name, partitions) for name in plain),
        *(TopicSpec(name, partitions, compacted=True) for name in compacted),
        TopicSpec(faust_leader_topic(settings.app_id), 1),
    ]
