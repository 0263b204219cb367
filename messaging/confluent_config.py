"""`KafkaConnection` as librdkafka settings (confluent-kafka's Producer, Consumer, AdminClient)."""

from __future__ import annotations

from typing import Any

from dexwatch.messaging.connection import KafkaConnection, connection_for

__all__ = ["confluent_client_config", "confluent_config"]


def confluent_config(connection: KafkaConnection) -> dict[str, str]:
    """`bootstrap.servers` and the security settings; merge the client's own settings on top."""
    config = {
        "bootstrap.servers": connection.bootstrap_servers,
        "security.protocol": connection.security_protocol,
    }
    if connection.uses_sasl:
        config["sasl.mechanism"] = connection.sasl_mechanism
        config["sasl.username"] = connection.sasl_username or ""
        config["sasl.password"] = connection.password or ""
    for key, path in (
        ("ssl.ca.location", connection.ssl_ca_location),
        ("ssl.certificate.location", connection.ssl_certificate_location),
        ("ssl.key.location", connection.ssl_key_location),
    ):
        if path is not None:
            config[key] = str(path)
    return config


def confluent_client_config(bootstrap_servers: str) -> dict[str, Any]:
    """`confluent_config` of the environment's connection to these servers (a new dict)."""
    return dict(confluent_config(connection_for(bootstrap_servers)))
