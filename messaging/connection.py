"""`KafkaConnection`: how every dexwatch client reaches Kafka (servers, TLS, SASL), once.

One typed, frozen model (quixstreams' `ConnectionConfig`), read from `DEXWATCH_KAFKA__*`
environment variables and translated for each client library (`confluent_config`,
`aiokafka_config`, `faust_credentials`). The bootstrap servers come from each command's own
setting (`DEXWATCH_BOOTSTRAP_SERVERS` or `--bootstrap-servers`); see docs/kafka-connection.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dexwatch.schemas.errors import ConfigError
from dexwatch.schemas.secret_file import read_secret_file

__all__ = ["KafkaConnection", "SaslMechanism", "SecurityProtocol", "connection_for"]

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

_SSL_FILES = ("ssl_ca_location", "ssl_certificate_location", "ssl_key_location")


class KafkaConnection(BaseSettings):
    """Servers, security protocol and credentials. Env: `DEXWATCH_KAFKA__<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="DEXWATCH_KAFKA__", frozen=True, extra="forbid", hide_input_in_errors=True
    )

    bootstrap_servers: str = Field(default="127.0.0.1:9092", min_length=1)
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = Field(
        default="SCRAM-SHA-512", description="Used only with SASL_PLAINTEXT or SASL_SSL."
    )
    sasl_username: str | None = Field(default=None, min_length=1)
    sasl_password: SecretStr | None = Field(
        default=None, description="Or `sasl_password_file`; never logged or shown."
    )
    sasl_password_file: Path | None = Field(
        default=None, description="A file holding the password (a mounted secret)."
    )
    ssl_ca_location: Path | None = Field(
        default=None,
        description="CA certificates (PEM) that signed the brokers' certificates; "
        "without it, the system's CAs.",
    )
    ssl_certificate_location: Path | None = Field(
        default=None, description="This client's certificate (PEM), for brokers that ask one."
    )
    ssl_key_location: Path | None = Field(
        default=None, description="The private key (PEM, unencrypted) of that certificate."
    )

    @model_validator(mode="before")
    @classmethod
    def _password_from_file(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("sasl_password_file"):
            return data
        if data.get("sasl_password"):
            raise ValueError("give sasl_password or sasl_password_file, not both")
        password = read_secret_file(str(data["sasl_password_file"]), "sasl_password_file")
        return data | {"sasl_password": password}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # A credential given for a protocol that never sends it is a misconfiguration that
        # would otherwise connect without it, silently: refuse it.
        if self.uses_sasl:
            if not self.sasl_username or not self.sasl_password:
                raise ValueError(
                    f"security_protocol {self.security_protocol} needs sasl_username and "
                    "sasl_password (or sasl_password_file)"
                )
        elif self.sasl_username or self.sasl_password:
            raise ValueError(
                f"SASL credentials are set but security_protocol is {self.security_protocol}: "
                "set it to SASL_SSL or SASL_PLAINTEXT"
            )
        given = [name for name in _SSL_FILES if getattr(self, name) is not None]
        if given and not self.uses_ssl:
            raise ValueError(
                f"{', '.join(given)} set but security_protocol is {self.security_protocol}: "
                "set it to SSL or SASL_SSL"
            )
        if (self.ssl_certificate_location is None) != (self.ssl_key_location is None):
            raise ValueError("give both ssl_certificate_location and ssl_key_location, or neither")
        for name in given:
            path: Path = getattr(self, name)
            if not path.is_file():
                raise ValueError(f"{name}: no such file: {path}")
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_ssl(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    @property
    def password(self) -> str | None:
        return self.sasl_password.get_secret_value() if self.sasl_password is not None else None

    def describe(self) -> str:
        """Where and how, for messages: never the password."""
        who = f" as {self.sasl_username} ({self.sasl_mechanism})" if self.uses_sasl else ""
        return f"{self.bootstrap_servers} over {self.security_protocol}{who}"


def connection_for(bootstrap_servers: str) -> KafkaConnection:
    """The environment's connection settings with these servers (a command's own setting).

    Read at each client's creation (cheap), so every client of a process sees the same
    environment; a bad value raises `ConfigError` naming the field, never showing a secret.
    """
    try:
        return KafkaConnection(bootstrap_servers=bootstrap_servers)
    except ValidationError as error:
        # Messages only, never the input: it may hold the password.
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or 'settings'}: "
            f"{item['msg'].removeprefix('Value error, ')}"
            for item in error.errors(include_url=False, include_input=False)
        ]
        raise ConfigError(
            f"Kafka connection ({'; '.join(problems)}); set as environment variables "
            "DEXWATCH_KAFKA__<FIELD> (docs/kafka-connection.md)"
        ) from None
