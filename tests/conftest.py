"""Session-wide fixtures: one real Kafka broker on free ports, unique names per test."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings
from tests.support.kafka_helpers import free_port


@pytest.fixture(scope="session")
def kafka_settings(tmp_path_factory: pytest.TempPathFactory) -> LocalKafkaSettings:
    """Settings of the test broker: free ports (never a developer's 9092), a fresh data dir."""
    return LocalKafkaSettings(
        port=free_port(),
        controller_port=free_port(),
        state_dir=tmp_path_factory.mktemp("kafka"),
    )


@pytest.fixture(scope="session")
def kafka_broker(kafka_settings: LocalKafkaSettings) -> Iterator[LocalKafkaBroker]:
    """A real Apache Kafka broker, started once for the whole test session."""
    broker = LocalKafkaBroker(kafka_settings)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: LocalKafkaBroker) -> str:
    return kafka_broker.settings.bootstrap_servers


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """`unique_name("metrics")` -> a topic or group name no other test (or run) uses."""
    test = request.node.name.split("[")[0].replace("_", "-")[:30]

    def make(prefix: str) -> str:
        return f"{prefix}-{test}-{uuid.uuid4().hex[:8]}"

    return make


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly how many broker tests ran: they must run, not be skipped."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            # A test is counted once: by its call, or by the setup that skipped or broke it.
            counted = report.when == "call" or outcome in ("skipped", "error")
            if counted and "kafka" in getattr(report, "keywords", {}):
                counts[outcome] = counts.get(outcome, 0) + 1
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
    terminalreporter.write_line(f"broker tests (marked kafka, real Kafka): {summary or 'none ran'}")
