"""How every client reaches Kafka: one settings model and its translation for each library."""

from dexwatch.streams.kafka_connection.aiokafka_config import aiokafka_config, ssl_context
from dexwatch.streams.kafka_connection.aiokafka_partitions import topic_partitions
from dexwatch.streams.kafka_connection.confluent_config import (
    confluent_client_config,
    confluent_config,
)
from dexwatch.streams.kafka_connection.connection import (
    KafkaConnection,
    SaslMechanism,
    SecurityProtocol,
    connection_for,
)
from dexwatch.streams.kafka_connection.faust_credentials import faust_credentials

__all__ = [
    "KafkaConnection",
    "SaslMechanism",
    "SecurityProtocol",
    "aiokafka_config",
    "confluent_client_config",
    "confluent_config",
    "connection_for",
    "faust_credentials",
    "ssl_context",
    "topic_partitions",
]
