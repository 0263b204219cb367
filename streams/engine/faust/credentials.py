"""`KafkaConnection` as faust's `broker_credentials` (the worker's consumer, producer, admin)."""

from __future__ import annotations

import faust
from faust.types.auth import CredentialsT

from dexwatch.messaging.aiokafka_config import ssl_context
from dexwatch.messaging.connection import KafkaConnection

__all__ = ["faust_credentials"]


def faust_credentials(connection: KafkaConnection) -> CredentialsT | None:
    """SASL (with a TLS context under SASL_SSL) or TLS credentials; None for PLAINTEXT.

    faust derives aiokafka's `security_protocol` from the credentials' class and context.
    """
    context = ssl_context(connection)
    if connection.uses_sasl:
        return faust.SASLCredentials(
            username=connection.sasl_username,
            password=connection.password,
            mechanism=connection.sasl_mechanism,
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None
