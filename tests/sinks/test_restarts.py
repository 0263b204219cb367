"""Against the real broker: a restarted sink goes on from its committed offsets, and what its
ledger says it finished is not sent again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dexwatch.sinks.config import SinksConfig
from dexwatch.sinks.delivered_ledger import DeliveredLedger
from tests.sinks.conftest import RunningSlack
from tests.sinks.incidents import incident, records
from tests.sinks.running_sinks import RunningSinks
from tests.sinks.sink_configs import fresh_config
from tests.support.kafka_helpers import produce, wait_for

pytestmark = pytest.mark.kafka


@pytest.fixture
def config(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path, slack: RunningSlack
) -> SinksConfig:
    return fresh_config(kafka_bootstrap, unique_name, tmp_path, slack=[slack.sink_config()])


def counted(running: RunningSinks, metric: str, count: int) -> None:
    wait_for(lambda: running.sample(metric, sink="ops") == count, 10, f"{metric} == {count}")


def test_a_restarted_sink_sends_only_what_is_new(
    kafka_bootstrap: str, config: SinksConfig, slack: RunningSlack
) -> None:
    first, second = [incident(n) for n in range(5)], [incident(n) for n in range(5, 8)]
    produce(kafka_bootstrap, config.alerts_topic, records(first))
    with RunningSinks(config) as running:
        wait_for(lambda: len(slack.server.messages()) == 5, 60, "the first five")
        counted(running, "dexwatch_alerts_delivered_total", 5)
    produce(kafka_bootstrap, config.alerts_topic, records(second))
    with RunningSinks(config) as running:
        wait_for(lambda: len(slack.server.messages()) >= 8, 60, "the next three")
        counted(running, "dexwatch_alerts_delivered_total", 3)
    texts = [message["text"] for message in slack.server.messages()]
    assert sorted(texts) == sorted(f"NEW: sev 88 · {event.title}" for event in first + second)


def test_what_the_ledger_finished_is_committed_without_sending(
    kafka_bootstrap: str, config: SinksConfig, slack: RunningSlack
) -> None:
    """As after a kill -9 between a delivery and its commit: the alert is read again."""
    delivered, new = incident(1), incident(2)
    with DeliveredLedger(config.ledger_path(config.sinks[0])) as ledger:
        ledger.record(delivered.idempotency_key, "delivered", "another-topic:0:0")
    produce(kafka_bootstrap, config.alerts_topic, records([delivered, new]))
    with RunningSinks(config) as running:
        wait_for(lambda: slack.server.messages(), 60, "the new alert")
        counted(running, "dexwatch_alerts_already_done_total", 1)
    assert [message["text"] for message in slack.server.messages()] == [
        f"NEW: sev 88 · {new.title}"
    ]
