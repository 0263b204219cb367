"""`KafkaSettings`: the bootstrap servers, the topic names and the connection, from one place."""

from __future__ import annotations

import pytest

from dexwatch.messaging.kafka_settings import DEFAULT_BOOTSTRAP_SERVERS, KafkaSettings
from dexwatch.messaging.topic_names import DEFAULT_TOPICS, TopicNames
from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.settings_loading import load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for field in TopicNames.model_fields.values():
        monkeypatch.delenv(str(field.validation_alias), raising=False)
    for name in ("DEXWATCH_BOOTSTRAP_SERVERS", "DEXWATCH_KAFKA__SECURITY_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)


def test_the_defaults() -> None:
    settings = KafkaSettings()
    assert (settings.bootstrap_servers, settings.topics) == (
        DEFAULT_BOOTSTRAP_SERVERS,
        DEFAULT_TOPICS,
    )


def test_the_connection_is_the_environments_for_these_servers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEXWATCH_BOOTSTRAP_SERVERS", "kafka-0:9093")
    monkeypatch.setenv("DEXWATCH_KAFKA__SECURITY_PROTOCOL", "SSL")
    connection = KafkaSettings().connection
    assert (connection.bootstrap_servers, connection.security_protocol) == ("kafka-0:9093", "SSL")
    assert KafkaSettings(bootstrap_servers="given:1").connection.bootstrap_servers == "given:1"


def test_bad_values_fail_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXWATCH_ALERTS_TOPIC", "a/b")
    with pytest.raises(ConfigError, match="DEXWATCH_ALERTS_TOPIC: String should match"):
        load_settings(KafkaSettings)
    monkeypatch.delenv("DEXWATCH_ALERTS_TOPIC")
    monkeypatch.setenv("DEXWATCH_KAFKA__SECURITY_PROTOCOL", "TLS")
    with pytest.raises(ConfigError, match="security_protocol"):
        _ = KafkaSettings().connection
