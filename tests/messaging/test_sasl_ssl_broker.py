"""Every kind of client reaches a real broker over SASL_SSL (SCRAM-SHA-512, a test CA).

A second broker, for this module only, on free ports: its PLAINTEXT listener is the broker's
own, clients use only the SASL_SSL one. Clients take their connection from `DEXWATCH_KAFKA__*`
as in production; a wrong password fails at start-up, saying so.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from dexwatch.connectors.kafka_producer import EventProducer
from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings, SaslSslListener
from dexwatch.messaging import connection_for
from dexwatch.messaging.aiokafka_config import aiokafka_config
from dexwatch.messaging.topics import ensure_topics
from dexwatch.schemas.errors import KafkaSetupError
from dexwatch.schemas.metric_event import MetricEvent
from dexwatch.streams.priming.topic_reader import StartPosition, TopicReader
from tests.messaging.certificates import write_certificates
from tests.support.kafka_helpers import free_port, wait_for
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

USER = "dexwatch-test"
PASSWORD = "scram-password-for-tests"


@pytest.fixture(scope="module")
def secure_broker(
    tmp_path_factory: pytest.TempPathFactory, kafka_settings: LocalKafkaSettings
) -> Iterator[tuple[str, dict[str, str]]]:
    """The SASL_SSL bootstrap servers and the environment a client needs to reach them."""
    certificates = write_certificates(tmp_path_factory.mktemp("certs"))
    listener = SaslSslListener(
        port=free_port(), keystore=certificates["keystore"], username=USER, password=PASSWORD
    )
    settings = LocalKafkaSettings(
        port=free_port(),
        controller_port=free_port(),
        state_dir=tmp_path_factory.mktemp("secure-kafka"),
        cache_dir=kafka_settings.cache_dir,  # the jars of the session's broker
        partitions=1,
        sasl_ssl_listener=listener,
    )
    broker = LocalKafkaBroker(settings)
    broker.start()
    environment = {
        "DEXWATCH_KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
        "DEXWATCH_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
        "DEXWATCH_KAFKA__SASL_USERNAME": USER,
        "DEXWATCH_KAFKA__SASL_PASSWORD": PASSWORD,
        "DEXWATCH_KAFKA__SSL_CA_LOCATION": str(certificates["ca"]),
    }
    try:
        yield f"127.0.0.1:{listener.port}", environment
    finally:
        broker.stop()


@pytest.fixture
def secure(
    secure_broker: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, dict[str, str]]:
    for name, value in secure_broker[1].items():
        monkeypatch.setenv(name, value)
    return secure_broker


def _event() -> MetricEvent:
    return MetricEvent(
        event_time=datetime(2026, 1, 5, 12, tzinfo=UTC),
        source="test",
        dimensions={"pool": "p1"},
        measures={"volume_usd": 1.0},
    )


def _read_all(bootstrap: str, topic: str) -> list[bytes]:
    with TopicReader(bootstrap, topic, StartPosition()) as reader:
        return [record.value for batch in reader.batches() for record in batch]


def test_topic_creation_producer_and_plain_consumer(secure: tuple[str, dict[str, str]]) -> None:
    bootstrap, _ = secure
    topic = f"secure-metrics-{free_port()}"
    ensure_topics(bootstrap, [topic], 1)
    with EventProducer(bootstrap, source="test") as producer:
        producer.send(topic, _event())
    assert producer.delivered == 1
    assert [MetricEvent.model_validate_json(v) for v in _read_all(bootstrap, topic)] == [_event()]


def test_aiokafka_clients_of_the_sinks(secure: tuple[str, dict[str, str]]) -> None:
    bootstrap, _ = secure
    topic = f"secure-alerts-{free_port()}"
    ensure_topics(bootstrap, [topic], 1)

    async def round_trip() -> bytes:
        config = aiokafka_config(connection_for(bootstrap))
        producer = AIOKafkaProducer(**config, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"incident")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic, **config, group_id=f"g-{topic}", auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            message = await asyncio.wait_for(consumer.getone(), 30)
            await consumer.commit()
        finally:
            await consumer.stop()
        value: bytes = message.value
        return value

    assert asyncio.run(round_trip()) == b"incident"


def test_the_worker_processes_an_event(secure: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    bootstrap, environment = secure
    suffix = free_port()
    topics = {
        "metrics": f"secure-in-{suffix}",
        "anomalies": f"secure-anomalies-{suffix}",
        "dead_letter": f"secure-dead-{suffix}",
    }
    ensure_topics(bootstrap, topics.values(), 1)
    worker = WorkerProcess(
        bootstrap,
        f"secure-worker-{suffix}",
        topics,
        tmp_path / "worker",
        {**environment, "DEXWATCH_TOPIC_PARTITIONS": "1"},
    )
    try:
        worker.wait_until_serving()
        with EventProducer(bootstrap, source="test") as producer:
            producer.send(topics["metrics"], _event())
        wait_for(
            lambda: worker.metric("dexwatch_events_consumed_total") >= 1,
            90,
            f"the worker to consume the event:\n{worker.log_tail()}",
        )
    finally:
        worker.stop()


def test_a_wrong_password_fails_at_start_up(
    secure: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap, _ = secure
    monkeypatch.setenv("DEXWATCH_KAFKA__SASL_PASSWORD", "not-the-password")
    with pytest.raises(KafkaSetupError, match="Authentication failed") as raised:
        ensure_topics(bootstrap, ["never-created"], 1)
    assert "not-the-password" not in str(raised.value)

    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "dexwatch.cli.main",
            "worker",
            "--bootstrap-servers",
            bootstrap,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 1
    assert "dexwatch worker: cannot reach Kafka" in worker.stderr
    assert "Authentication failed" in worker.stderr
    assert "not-the-password" not in worker.stderr + worker.stdout

    async def start_consumer() -> None:
        consumer = AIOKafkaConsumer(**aiokafka_config(connection_for(bootstrap)))
        try:
            await consumer.start()
        finally:
            await consumer.stop()

    with pytest.raises(KafkaError):
        asyncio.run(start_consumer())
