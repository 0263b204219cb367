"""How every client reaches Kafka: one settings model and its translation for each library.

`TopicNames` (`topic_names`) names every topic once; `KafkaSettings` (`kafka_settings`) is
the bootstrap servers and the topic names every command's settings compose.

Also where topics are created (`topics`, `topic_creation`) and read back (`anomaly_reader`).
faust's form of the settings lives with the engine (`streams/engine/faust/credentials.py`).
"""

from dexwatch.messaging.aiokafka_config import aiokafka_config, ssl_context
from dexwatch.messaging.aiokafka_partitions import topic_partitions
from dexwatch.messaging.confluent_config import (
    confluent_client_config,
    confluent_config,
)
from dexwatch.messaging.connection import (
    KafkaConnection,
    SaslMechanism,
    SecurityProtocol,
    connection_for,
)

__all__ = [
    "KafkaConnection",
    "SaslMechanism",
    "SecurityProtocol",
    "aiokafka_config",
    "confluent_client_config",
    "confluent_config",
    "connection_for",
    "ssl_context",
    "topic_partitions",
]
