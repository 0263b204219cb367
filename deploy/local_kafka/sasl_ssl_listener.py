"""An optional second client listener of the local broker: SASL_SSL with one SCRAM-SHA-512 user.

For trying (and testing) TLS and SASL clients against a real broker. The PLAINTEXT listener
stays as it is: the broker talks to itself over it and `status` probes it; SCRAM users live in
the cluster metadata, so the user is added when the storage is formatted (`--add-scram`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["SaslSslListener"]

MECHANISM = "SCRAM-SHA-512"


class SaslSslListener(BaseModel):
    """Where it listens, its TLS key and certificate, and the one user it knows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    port: Annotated[int, Field(ge=1, le=65535)]
    keystore: Path = Field(
        description="PEM file with the broker's private key (PKCS#8, unencrypted) and its "
        "certificate chain; the certificate must name the broker's host (e.g. IP:127.0.0.1)."
    )
    username: str = Field(pattern=r"^[A-Za-z0-9._\-]{1,64}$")
    password: SecretStr

    def server_properties(self) -> dict[str, str]:
        """What this listener adds to `server.properties` (listeners are appended by caller)."""
        return {
            "sasl.enabled.mechanisms": MECHANISM,
            "listener.name.sasl_ssl.sasl.enabled.mechanisms": MECHANISM,
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
            "listener.name.sasl_ssl.ssl.keystore.type": "PEM",
            "listener.name.sasl_ssl.ssl.keystore.location": str(self.keystore),
        }

    def format_arguments(self) -> list[str]:
        """`StorageTool format` arguments that create the SCRAM user."""
        secret = self.password.get_secret_value()
        return ["--add-scram", f"{MECHANISM}=[name={self.username},password={secret}]"]
