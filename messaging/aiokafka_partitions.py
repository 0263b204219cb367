"""The partitions of a topic, for an aiokafka consumer that assigns them itself.

`AIOKafkaConsumer.partitions_for_topic` answers only from metadata the consumer already has,
which a consumer with no subscription never fetches (`topics()` does not keep what it reads);
the client's own wait for a topic's metadata is the one call that fetches and keeps it.
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import UnknownTopicOrPartitionError
from aiokafka.structs import TopicPartition

__all__ = ["topic_partitions"]


async def topic_partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """Every partition of `topic` (started `consumer`); empty when the topic does not exist."""
    try:
        numbers = await consumer._client._wait_on_metadata(topic)
    except UnknownTopicOrPartitionError:
        return []
    return [TopicPartition(topic, number) for number in sorted(numbers)]
