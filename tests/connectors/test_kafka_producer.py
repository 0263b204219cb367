"""EventProducer: against the real test broker, an unreachable one, and a fake client."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.connectors.kafka_producer import EventProducer, ProducerError
from dexwatch.schemas.codec import decode
from dexwatch.schemas.errors import DexwatchError
from dexwatch.schemas.metric_event import MetricEvent
from tests.support.kafka_helpers import consume, create_topic


def simulated_events(steps: int, pools: int = 3) -> list[MetricEvent]:
    simulator = DexMarketSimulator(SimulatorConfig(pools=pools, anomaly_at_step=None))
    return [event for events in simulator.steps(steps) for event in events]


@pytest.mark.kafka
def test_events_round_trip_keyed_by_series(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("metrics"))
    events = simulated_events(steps=5)
    registry = CollectorRegistry()
    with EventProducer(kafka_bootstrap, registry=registry) as producer:
        for event in events:
            producer.send(topic, event)
    assert (producer.sent, producer.delivered, producer.failed) == (15, 15, 0)
    records = registry.get_sample_value("dexwatch_producer_records_total", {"topic": topic})
    assert records == 15
    errors = registry.get_sample_value("dexwatch_producer_delivery_errors_total", {"topic": topic})
    assert errors == 0

    messages = consume(kafka_bootstrap, topic, count=len(events), timeout_s=30)
    assert len(messages) == len(events)
    received: dict[str, list[MetricEvent]] = {}
    for message in messages:
        key, value = message.key(), message.value()
        assert isinstance(key, bytes)
        assert isinstance(value, bytes)
        event = decode(MetricEvent, value)
        assert key.decode() == event.series_key
        received.setdefault(event.series_key, []).append(event)
    expected: dict[str, list[MetricEvent]] = {}
    for event in events:
        expected.setdefault(event.series_key, []).append(event)
    # One series lives in one partition, so its events come back in the order they were sent.
    assert received == expected


@pytest.mark.kafka
def test_unreachable_broker_fails_fast_with_a_hint() -> None:
    producer = EventProducer(
        "127.0.0.1:1", extra_config={"message.timeout.ms": 1000, "reconnect.backoff.ms": 200}
    )
    for event in simulated_events(steps=1):
        producer.send("dexwatch.unreachable", event)
    began = time.monotonic()
    with pytest.raises(ProducerError) as caught:
        producer.flush(15)
    assert time.monotonic() - began < 10
    message = str(caught.value)
    assert "127.0.0.1:1" in message
    assert "broker running" in message
    assert "dexwatch kafka status" in message
    assert "timed out" in message.lower()
    assert isinstance(caught.value, DexwatchError)
    assert isinstance(caught.value, RuntimeError)
    assert producer.failed == 3
    assert producer.delivered == 0
    errors = producer.registry.get_sample_value(
        "dexwatch_producer_delivery_errors_total", {"topic": "dexwatch.unreachable"}
    )
    assert errors == 3
    producer.flush(1)  # the failures were reported once; nothing new is pending


class FakeClient:
    """A producer whose local queue is full for the first `full_for` attempts."""

    def __init__(self, full_for: int) -> None:
        self.full_for = full_for
        self.produced: list[tuple[str, bytes, bytes]] = []
        self.polls: list[float] = []
        self._pending: list[Callable[[Any, Any], None]] = []
        self.fail_with: str | None = None

    def produce(
        self, topic: str, *, value: bytes, key: bytes, on_delivery: Callable[[Any, Any], None]
    ) -> None:
        if self.full_for > 0:
            self.full_for -= 1
            raise BufferError("Local: Queue full")
        self.produced.append((topic, key, value))
        self._pending.append(on_delivery)

    def poll(self, timeout: float) -> int:
        self.polls.append(timeout)
        served, self._pending = self._pending, []
        for callback in served:
            callback(self.fail_with, None)
        return len(served)

    def flush(self, timeout: float) -> int:
        self.poll(timeout)
        return 0

    def __len__(self) -> int:
        return len(self._pending)


def test_full_queue_is_served_and_retried_instead_of_crashing() -> None:
    client = FakeClient(full_for=3)
    producer = EventProducer("fake:9092", client_factory=lambda _config: client)
    [event] = simulated_events(steps=1, pools=1)
    producer.send("metrics", event)
    assert len(client.produced) == 1
    topic, key, _value = client.produced[0]
    assert (topic, key) == ("metrics", event.series_key.encode())
    assert client.polls.count(0.1) == 3, "served deliveries before each retry"
    producer.flush()
    assert producer.delivered == 1


def test_queue_full_for_too_long_raises() -> None:
    client = FakeClient(full_for=10**9)
    producer = EventProducer(
        "fake:9092", queue_full_timeout_s=0.3, client_factory=lambda _config: client
    )
    [event] = simulated_events(steps=1, pools=1)
    with pytest.raises(ProducerError, match=r"queue stayed full.*dexwatch kafka status"):
        producer.send("metrics", event)


def test_settings_and_extra_config_reach_the_client() -> None:
    seen: list[dict[str, Any]] = []

    def factory(config: dict[str, Any]) -> FakeClient:
        seen.append(config)
        return FakeClient(full_for=0)

    EventProducer("fake:9092", extra_config={"linger.ms": 50}, client_factory=factory)
    [config] = seen
    assert config["bootstrap.servers"] == "fake:9092"
    assert config["enable.idempotence"] is True
    assert config["acks"] == "all"
    assert config["compression.type"] == "lz4"
    assert config["linger.ms"] == 50


def test_failed_deliveries_raise_on_flush_and_on_context_exit() -> None:
    client = FakeClient(full_for=0)
    client.fail_with = "Broker: Topic authorization failed"
    registry = CollectorRegistry()
    [event] = simulated_events(steps=1, pools=1)
    with (
        pytest.raises(ProducerError, match=r"1 record.*Topic authorization failed"),
        EventProducer("fake:9092", registry=registry, client_factory=lambda _c: client) as p,
    ):
        p.send("metrics", event)
    assert p.first_error == "Broker: Topic authorization failed"
    errors = registry.get_sample_value(
        "dexwatch_producer_delivery_errors_total", {"topic": "metrics"}
    )
    assert errors == 1


def test_context_exit_on_another_error_still_flushes_and_keeps_that_error() -> None:
    client = FakeClient(full_for=0)
    [event] = simulated_events(steps=1, pools=1)
    producer = EventProducer("fake:9092", client_factory=lambda _c: client)

    def fail_while_producing() -> None:
        with producer:
            producer.send("metrics", event)
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        fail_while_producing()
    assert producer.delivered == 1


def test_each_producer_has_its_own_registry() -> None:
    first = EventProducer("fake:9092", client_factory=lambda _c: FakeClient(full_for=0))
    second = EventProducer("fake:9092", client_factory=lambda _c: FakeClient(full_for=0))
    assert first.registry is not second.registry


def test_source_lag_is_wall_clock_minus_event_time_labelled_by_source() -> None:
    [event] = simulated_events(steps=1, pools=1)
    wall = [event.event_time.timestamp() + 42.5]
    producer = EventProducer(
        "fake:9092",
        source="replay",
        wall_clock=lambda: wall[0],
        client_factory=lambda _c: FakeClient(full_for=0),
    )
    producer.send("metrics", event)
    lag = producer.registry.get_sample_value("dexwatch_source_lag_seconds", {"source": "replay"})
    assert lag == 42.5
    wall[0] -= 100.0  # an event from the future (a simulator ahead of the clock) lags negatively
    producer.send("metrics", event)
    lag = producer.registry.get_sample_value("dexwatch_source_lag_seconds", {"source": "replay"})
    assert lag == -57.5
    producer.flush()
    records = producer.registry.get_sample_value(
        "dexwatch_producer_records_total", {"topic": "metrics"}
    )
    assert records == 2


def test_any_schema_record_can_be_sent_under_a_given_key() -> None:
    client = FakeClient(full_for=1)
    producer = EventProducer("fake:9092", client_factory=lambda _c: client)
    [label] = DexMarketSimulator().labels()
    producer.send_record("labels", b"k-1", label)
    [(topic, key, value)] = client.produced
    assert (topic, key) == ("labels", b"k-1")
    assert orjson.loads(value)["kind"] == "volume_burst"
    producer.flush()
    assert (producer.sent, producer.delivered) == (1, 1)
    lag = producer.registry.get_sample_value("dexwatch_source_lag_seconds", {"source": "producer"})
    assert lag == 0.0, "only metric events have an event time to lag behind"
