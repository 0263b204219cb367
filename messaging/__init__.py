"""How every client reaches Kafka: one settings model and its translation for each library.

`TopicNames` (`topic_names`) names every topic once; `KafkaSettings` (`kafka_settings`) is
the bootstrap servers and the topic names every command's settings compose.

Also where topics are created (`topics`, `topic_creation`) and read back (`anomaly_reader`).
faust's form of the settings lives with the engine (`streams/engine/faust/credentials.py`).

Loaded lazily (`schemas/lazy_exports.py`): importing `topics` or `connection` loads no Kafka
client library. `aiokafka_config` and `confluent_config` are imported from their modules of the
same name (the package cannot export a member named like a submodule lazily).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dexwatch.schemas.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from dexwatch.messaging.aiokafka_config import ssl_context
    from dexwatch.messaging.aiokafka_partitions import topic_partitions
    from dexwatch.messaging.confluent_config import confluent_client_config
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
    "confluent_client_config",
    "connection_for",
    "ssl_context",
    "topic_partitions",
]

_MODULES = {
    "ssl_context": "dexwatch.messaging.aiokafka_config",
    "topic_partitions": "dexwatch.messaging.aiokafka_partitions",
    "confluent_client_config": "dexwatch.messaging.confluent_config",
    "KafkaConnection": "dexwatch.messaging.connection",
    "SaslMechanism": "dexwatch.messaging.connection",
    "SecurityProtocol": "dexwatch.messaging.connection",
    "connection_for": "dexwatch.messaging.connection",
}

__getattr__, __dir__ = lazy_exports(__name__, _MODULES)
