"""A real local Apache Kafka broker from Maven Central jars, for development and tests."""

from dexwatch.deploy.local_kafka.broker import BrokerStatus, LocalKafkaBroker, broker_answers
from dexwatch.deploy.local_kafka.jars import ensure_jars
from dexwatch.deploy.local_kafka.sasl_ssl_listener import SaslSslListener
from dexwatch.deploy.local_kafka.settings import LocalKafkaSettings

__all__ = [
    "BrokerStatus",
    "LocalKafkaBroker",
    "LocalKafkaSettings",
    "SaslSslListener",
    "broker_answers",
    "ensure_jars",
]
