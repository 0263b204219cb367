"""`KafkaConnection`: validated at start, password from the environment or a file, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.messaging import KafkaConnection, connection_for
from dexwatch.schemas.errors import ConfigError

PASSWORD = "correct-horse-battery"


def test_plaintext_by_default() -> None:
    connection = connection_for("127.0.0.1:1234")
    assert connection.security_protocol == "PLAINTEXT"
    assert connection.bootstrap_servers == "127.0.0.1:1234"
    assert not connection.uses_sasl
    assert not connection.uses_ssl


def test_sasl_from_the_environment_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXWATCH_KAFKA__SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("DEXWATCH_KAFKA__SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("DEXWATCH_KAFKA__SASL_USERNAME", "dexwatch")
    monkeypatch.setenv("DEXWATCH_KAFKA__SASL_PASSWORD", PASSWORD)
    connection = connection_for("broker:9094")
    assert connection.password == PASSWORD
    assert connection.sasl_mechanism == "SCRAM-SHA-256"
    for text in (repr(connection), str(connection), connection.describe()):
        assert PASSWORD not in text
    assert connection.describe() == "broker:9094 over SASL_PLAINTEXT as dexwatch (SCRAM-SHA-256)"


def test_password_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "password"
    secret.write_text(f"{PASSWORD}\n")
    monkeypatch.setenv("DEXWATCH_KAFKA__SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("DEXWATCH_KAFKA__SASL_USERNAME", "dexwatch")
    monkeypatch.setenv("DEXWATCH_KAFKA__SASL_PASSWORD_FILE", str(secret))
    assert connection_for("b:1").password == PASSWORD


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"security_protocol": "SASL_SSL"}, "SASL_SSL needs sasl_username and sasl_password"),
        (
            {"security_protocol": "SASL_PLAINTEXT", "sasl_username": "u"},
            "needs sasl_username and sasl_password",
        ),
        ({"sasl_username": "u", "sasl_password": PASSWORD}, "security_protocol is PLAINTEXT"),
        ({"ssl_ca_location": "/nowhere/ca.pem"}, "security_protocol is PLAINTEXT"),
        (
            {"security_protocol": "SSL", "ssl_ca_location": "/nowhere/ca.pem"},
            "ssl_ca_location: no such file: /nowhere/ca.pem",
        ),
        (
            {"security_protocol": "SSL", "ssl_certificate_location": "/nowhere/c.pem"},
            "give both ssl_certificate_location and ssl_key_location",
        ),
        ({"security_protocol": "SASL"}, "security_protocol"),
        ({"sasl_mechanism": "GSSAPI"}, "sasl_mechanism"),
        (
            {"security_protocol": "SASL_SSL", "sasl_username": "u", "sasl_password_file": "/no"},
            "sasl_password_file: cannot read /no",
        ),
    ],
)
def test_bad_settings_fail_at_start_naming_the_field(
    values: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in values.items():
        monkeypatch.setenv(f"DEXWATCH_KAFKA__{name.upper()}", value)
    with pytest.raises(ConfigError, match="Kafka connection") as raised:
        connection_for("b:1")
    assert expected in str(raised.value)
    assert PASSWORD not in str(raised.value)


def test_frozen() -> None:
    connection = KafkaConnection()
    with pytest.raises(ValueError, match="frozen"):
        connection.security_protocol = "SSL"  # type: ignore[misc]
