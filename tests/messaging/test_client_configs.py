"""One `KafkaConnection`, translated for confluent-kafka, aiokafka and faust."""

from __future__ import annotations

import ssl
from pathlib import Path

import faust
import pytest

from dexwatch.messaging import KafkaConnection
from dexwatch.messaging.aiokafka_config import aiokafka_config
from dexwatch.messaging.confluent_config import confluent_config
from dexwatch.streams.engine.faust.credentials import faust_credentials
from tests.messaging.certificates import write_certificates


@pytest.fixture(scope="module")
def pem_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_certificates(tmp_path_factory.mktemp("certs"))


def test_plaintext() -> None:
    connection = KafkaConnection(bootstrap_servers="a:1,b:2")
    assert confluent_config(connection) == {
        "bootstrap.servers": "a:1,b:2",
        "security.protocol": "PLAINTEXT",
    }
    assert aiokafka_config(connection) == {
        "bootstrap_servers": "a:1,b:2",
        "security_protocol": "PLAINTEXT",
    }
    assert faust_credentials(connection) is None


def test_sasl_ssl_for_every_client(pem_files: dict[str, Path]) -> None:
    connection = KafkaConnection(
        bootstrap_servers="a:1",
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="dexwatch",
        sasl_password="pw",
        ssl_ca_location=pem_files["ca"],
    )
    assert confluent_config(connection) == {
        "bootstrap.servers": "a:1",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "dexwatch",
        "sasl.password": "pw",
        "ssl.ca.location": str(pem_files["ca"]),
    }
    aiokafka = aiokafka_config(connection)
    context = aiokafka.pop("ssl_context")
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname
    assert aiokafka == {
        "bootstrap_servers": "a:1",
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "dexwatch",
        "sasl_plain_password": "pw",
    }
    credentials = faust_credentials(connection)
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert (credentials.username, credentials.password) == ("dexwatch", "pw")
    assert isinstance(credentials.ssl_context, ssl.SSLContext)


def test_sasl_plaintext_has_no_tls() -> None:
    connection = KafkaConnection(
        security_protocol="SASL_PLAINTEXT", sasl_username="u", sasl_password="p"
    )
    assert "ssl_context" not in aiokafka_config(connection)
    credentials = faust_credentials(connection)
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.protocol.value == "SASL_PLAINTEXT"


def test_ssl_with_a_client_certificate(pem_files: dict[str, Path]) -> None:
    connection = KafkaConnection(
        security_protocol="SSL",
        ssl_ca_location=pem_files["ca"],
        ssl_certificate_location=pem_files["certificate"],
        ssl_key_location=pem_files["key"],
    )
    config = confluent_config(connection)
    assert config["security.protocol"] == "SSL"
    assert config["ssl.certificate.location"] == str(pem_files["certificate"])
    assert config["ssl.key.location"] == str(pem_files["key"])
    assert "sasl.username" not in config
    assert isinstance(aiokafka_config(connection)["ssl_context"], ssl.SSLContext)
    credentials = faust_credentials(connection)
    assert isinstance(credentials, faust.SSLCredentials)
    assert credentials.protocol.value == "SSL"
