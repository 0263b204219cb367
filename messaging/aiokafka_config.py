"""`KafkaConnection` as aiokafka keyword arguments (the sinks' consumers and producer, admin)."""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context

from dexwatch.messaging.connection import KafkaConnection

__all__ = ["aiokafka_config", "ssl_context"]


def ssl_context(connection: KafkaConnection) -> ssl.SSLContext | None:
    """The TLS context of an SSL or SASL_SSL connection (hostnames checked), else None."""
    if not connection.uses_ssl:
        return None
    context: ssl.SSLContext = create_ssl_context(
        cafile=_text(connection.ssl_ca_location),
        certfile=_text(connection.ssl_certificate_location),
        keyfile=_text(connection.ssl_key_location),
    )
    return context


def aiokafka_config(connection: KafkaConnection) -> dict[str, Any]:
    """`bootstrap_servers` and the security arguments of any aiokafka client."""
    config: dict[str, Any] = {
        "bootstrap_servers": connection.bootstrap_servers,
        "security_protocol": connection.security_protocol,
    }
    if connection.uses_sasl:
        config["sasl_mechanism"] = connection.sasl_mechanism
        config["sasl_plain_username"] = connection.sasl_username
        config["sasl_plain_password"] = connection.password
    context = ssl_context(connection)
    if context is not None:
        config["ssl_context"] = context
    return config


def _text(path: object) -> str | None:
    return None if path is None else str(path)
