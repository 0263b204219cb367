"""How every client reaches Kafka: one settings model and its translation for each library."""

from streams.kafka_connection.aiokafka_config import aiokafka_config, ssl_context
from streams.kafka_connection.aiokafka_partitions import topic_partitions
from streams.kafka_connection.confluent_config import confluent_client_config, confluent_config
from streams.kafka_connection.connection import (
    KafkaConnection,
    SaslMechanism,
    SecurityProtocol,
    connection_for,
)
from streams.kafka_connection.faust_credentials import faust_credentials

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
