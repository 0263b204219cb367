"""The local broker manager: errors people will hit, and the real broker's lifecycle."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings, broker_answers
from dexwatch.schemas.errors import ConfigError, KafkaSetupError
from dexwatch.streams.settings_loading import load_settings
from tests.support.kafka_helpers import free_port


def _settings(tmp_path: Path, **overrides: object) -> LocalKafkaSettings:
    values: dict[str, object] = {
        "port": free_port(),
        "controller_port": free_port(),
        "state_dir": tmp_path / "state",
    }
    values.update(overrides)
    return LocalKafkaSettings.model_validate(values)


def test_no_java_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: neither java nor mvn
    with pytest.raises(KafkaSetupError, match="`java` was not found") as caught:
        LocalKafkaBroker(_settings(tmp_path)).start()
    assert "openjdk" in caught.value.hint


def test_no_mvn_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\nexit 1\n")
    java.chmod(0o755)
    monkeypatch.setenv("PATH", str(java.parent))
    settings = _settings(tmp_path, cache_dir=tmp_path / "empty-cache")
    with pytest.raises(KafkaSetupError, match="`mvn` was not found") as caught:
        LocalKafkaBroker(settings).start()
    assert "maven" in caught.value.hint.lower()


def test_maven_central_unreachable_is_a_clear_error(tmp_path: Path) -> None:
    # A Maven settings file whose only mirror is a closed loopback port stands in for no network.
    (tmp_path / "settings.xml").write_text(
        "<settings><mirrors><mirror><id>nowhere</id><mirrorOf>*</mirrorOf>"
        f"<url>http://127.0.0.1:{free_port()}/maven2</url></mirror></mirrors>"
        f"<localRepository>{tmp_path / 'm2'}</localRepository></settings>"
    )
    mvn = tmp_path / "bin" / "mvn"
    mvn.parent.mkdir()
    real_mvn = _which("mvn")
    mvn.write_text(f'#!/bin/sh\nexec {real_mvn} -s {tmp_path / "settings.xml"} "$@"\n')
    mvn.chmod(0o755)
    settings = _settings(tmp_path, cache_dir=tmp_path / "cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{mvn.parent}:{Path(_which('java')).parent}")
        with pytest.raises(KafkaSetupError, match="Maven Central") as caught:
            LocalKafkaBroker(settings).start()
    assert "network" in caught.value.hint


def test_bad_setting_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXWATCH_KAFKA_PORT", "not-a-port")
    with pytest.raises(ConfigError, match="port") as caught:
        load_settings(LocalKafkaSettings)
    assert "DEXWATCH_KAFKA_" in str(caught.value)


@pytest.mark.kafka
def test_port_taken_is_a_clear_error(tmp_path: Path, kafka_broker: LocalKafkaBroker) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        with pytest.raises(KafkaSetupError, match=f"port 127.0.0.1:{taken} is already in use"):
            LocalKafkaBroker(_settings(tmp_path, port=taken)).start()


@pytest.mark.kafka
def test_broker_exiting_early_shows_its_log(tmp_path: Path, kafka_broker: LocalKafkaBroker) -> None:
    settings = _settings(tmp_path, heap="1m")  # the JVM refuses to start with so little heap
    with pytest.raises(KafkaSetupError, match="exited early") as caught:
        LocalKafkaBroker(settings).start()
    assert "heap" in str(caught.value).lower()


@pytest.mark.kafka
def test_start_status_stop_are_idempotent(tmp_path: Path, kafka_broker: LocalKafkaBroker) -> None:
    broker = LocalKafkaBroker(_settings(tmp_path))
    assert not broker.status().running
    assert broker.stop() is False  # stopping a stopped broker is fine
    try:
        first = broker.start()
        assert first.running
        assert first.answering
        again = broker.start()  # says so, starts nothing new
        assert again.pid == first.pid
        assert broker.settings.log_file.exists()
    finally:
        assert broker.stop() is True
    assert not broker.status().running
    assert not broker_answers(broker.settings.bootstrap_servers, timeout_s=1.0)


def _which(name: str) -> str:
    import shutil

    path = shutil.which(name)
    assert path is not None, f"{name} is needed for this test"
    return path


def test_a_port_left_in_time_wait_is_free(tmp_path: Path) -> None:
    """A stopped broker's closed connections linger in TIME-WAIT for a minute; a start then
    must not be refused (the broker binds with SO_REUSEADDR, and so does the check)."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Java's listener
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the side that closes first keeps the port in TIME-WAIT
            client.recv(1)
    with socket.socket() as plain, pytest.raises(OSError, match="in use"):
        plain.bind(("127.0.0.1", port))  # the state the check met before
    LocalKafkaBroker(_settings(tmp_path, port=port))._check_port_free(port)
