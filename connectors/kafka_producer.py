"""`EventProducer`: metric events onto a Kafka topic, keyed by series, with delivery accounting.

A thin layer over `confluent_kafka.Producer` that fixes the settings dexwatch relies on
(idempotence, acks from all replicas, lz4), keys every record by its series key so a series
stays in one partition and in order, counts deliveries and failures, and turns "the broker is
not there" into a `ProducerError` that says what to do instead of a silent hang.

Metrics (one registry per producer unless one is given): `dexwatch_producer_records_total{topic}`
(acknowledged), `dexwatch_producer_delivery_errors_total{topic}` and
`dexwatch_source_lag_seconds{source}`, how far the last event handed over lags behind the wall
clock (negative when its event time is ahead, as a simulator's can be). `source` is one name per
producer (`simulator`, `replay`, ...), never taken from the events, so the label stays bounded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Protocol, Self

import confluent_kafka
from prometheus_client import CollectorRegistry, Counter, Gauge
from pydantic import BaseModel

from dexwatch.messaging import confluent_client_config
from dexwatch.schemas.codec import encode
from dexwatch.schemas.errors import DexwatchError
from dexwatch.schemas.metric_event import MetricEvent

__all__ = ["DEFAULT_PRODUCER_CONFIG", "EventProducer", "ProducerClient", "ProducerError"]

_LOG = logging.getLogger("dexwatch.connectors.kafka_producer")

DEFAULT_PRODUCER_CONFIG: Mapping[str, str | int | float | bool] = {
    "enable.idempotence": True,
    "acks": "all",
    "compression.type": "lz4",
    "linger.ms": 5,
    # CRC32 of the key as librdkafka's default, but an empty key (the series of an event
    # without dimensions) goes to one partition instead of a random one: a series stays in order.
    "partitioner": "consistent",
}

_HINT = "is the broker running and reachable? Check with `dexwatch kafka status`."


class ProducerError(DexwatchError, RuntimeError):
    """Records could not be handed to Kafka or were not acknowledged in time."""


DeliveryCallback = Callable[[Any, Any], None]


class ProducerClient(Protocol):
    """The part of `confluent_kafka.Producer` that `EventProducer` uses (tests inject fakes)."""

    def produce(
        self, topic: str, *, value: bytes, key: bytes, on_delivery: DeliveryCallback
    ) -> None: ...

    def poll(self, timeout: float) -> int: ...

    def flush(self, timeout: float) -> int: ...

    def __len__(self) -> int: ...


def _confluent_client(config: dict[str, Any]) -> ProducerClient:
    client: ProducerClient = confluent_kafka.Producer(config)
    return client


class EventProducer:
    """Sends `MetricEvent`s to Kafka; use as a context manager to flush on exit.

    `extra_config` adds or overrides librdkafka settings (e.g. `message.timeout.ms`).
    Metrics go to `registry` (default: a private one, so instances never collide); `source`
    labels the lag gauge, measured against `wall_clock` (Unix seconds).
    """

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        registry: CollectorRegistry | None = None,
        source: str = "producer",
        wall_clock: Callable[[], float] = time.time,
        extra_config: Mapping[str, str | int | float | bool] | None = None,
        flush_timeout_s: float = 30.0,
        queue_full_timeout_s: float = 60.0,
        client_factory: Callable[[dict[str, Any]], ProducerClient] = _confluent_client,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.flush_timeout_s = flush_timeout_s
        self.queue_full_timeout_s = queue_full_timeout_s
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.records_total = Counter(
            "dexwatch_producer_records_total",
            "Records the broker acknowledged, per topic.",
            ["topic"],
            registry=self.registry,
        )
        self.delivery_errors_total = Counter(
            "dexwatch_producer_delivery_errors_total",
            "Records that could not be delivered, per topic.",
            ["topic"],
            registry=self.registry,
        )
        self.source_lag_seconds = Gauge(
            "dexwatch_source_lag_seconds",
            "Wall-clock time minus the event time of the last event handed to the producer.",
            ["source"],
            registry=self.registry,
        ).labels(source=source)
        self._wall_clock = wall_clock
        self.sent = 0
        self.delivered = 0
        self.failed = 0
        self.first_error: str | None = None
        self._failures_reported = 0
        self._callbacks: dict[str, DeliveryCallback] = {}
        config: dict[str, Any] = confluent_client_config(bootstrap_servers)
        config.update(DEFAULT_PRODUCER_CONFIG)
        config.update(extra_config or {})
        # librdkafka's own log lines (connection refused, ...) go through `logging`, not stderr.
        config.setdefault(
            "logger", logging.getLogger("dexwatch.connectors.kafka_producer.librdkafka")
        )
        self._client = client_factory(config)

    @property
    def pending(self) -> int:
        """Records (and protocol requests) not yet acknowledged."""
        return len(self._client)

    def send(self, topic: str, event: MetricEvent) -> None:
        """Queue `event` for `topic`, keyed by its series key, and note the source lag.

        When the local queue is full, serves delivery reports until there is room, and raises
        `ProducerError` if there is none after `queue_full_timeout_s`.
        """
        self.send_record(topic, event.series_key.encode(), event)
        self.source_lag_seconds.set(self._wall_clock() - event.event_time.timestamp())

    def send_record(self, topic: str, key: bytes, record: BaseModel) -> None:
        """Queue any schema record (JSON via `schemas.codec`) under `key`, as `send` does."""
        value = encode(record)
        on_delivery = self._callback(topic)
        deadline: float | None = None
        while True:
            try:
                self._client.produce(topic, value=value, key=key, on_delivery=on_delivery)
                break
            except BufferError:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.queue_full_timeout_s
                    _LOG.debug("producer queue full, waiting for deliveries")
                elif now >= deadline:
                    raise ProducerError(
                        f"the producer queue stayed full for {self.queue_full_timeout_s:g}s "
                        f"({self.pending} records waiting for {self.bootstrap_servers}); {_HINT}"
                    ) from None
                self._client.poll(0.1)
            except confluent_kafka.KafkaException as error:
                raise ProducerError(f"could not produce to topic {topic!r}: {error}") from error
        self.sent += 1
        self._client.poll(0)

    def flush(self, timeout_s: float | None = None) -> None:
        """Wait for every queued record to be acknowledged.

        Raises `ProducerError` if some are still pending after `timeout_s` (default:
        `flush_timeout_s`) or if any delivery failed since the last flush.
        """
        timeout = self.flush_timeout_s if timeout_s is None else timeout_s
        remaining = self._client.flush(timeout)
        if remaining > 0:
            raise ProducerError(
                f"{remaining} record(s) still undelivered to {self.bootstrap_servers} after "
                f"{timeout:g}s{self._first_error_text()}; {_HINT}"
            )
        new_failures = self.failed - self._failures_reported
        if new_failures > 0:
            self._failures_reported = self.failed
            raise ProducerError(
                f"{new_failures} record(s) could not be delivered to {self.bootstrap_servers}"
                f"{self._first_error_text()}; {_HINT}"
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.flush()
            return
        if isinstance(exc, ProducerError):
            return  # delivery is what failed: waiting again would only delay the error
        # Failing for another reason: still try to deliver what is queued, keep the original error.
        try:
            self.flush()
        except ProducerError as error:
            _LOG.warning("while handling %s: %s", exc_type.__name__, error)

    def _first_error_text(self) -> str:
        return f" (first error: {self.first_error})" if self.first_error else ""

    def _callback(self, topic: str) -> DeliveryCallback:
        callback = self._callbacks.get(topic)
        if callback is None:
            records = self.records_total.labels(topic=topic)
            errors = self.delivery_errors_total.labels(topic=topic)

            def callback(error: Any, _message: Any) -> None:
                if error is None:
                    self.delivered += 1
                    records.inc()
                    return
                self.failed += 1
                errors.inc()
                if self.first_error is None:
                    self.first_error = _error_text(error)
                _LOG.debug("delivery to %s failed: %s", topic, error)

            self._callbacks[topic] = callback
        return callback


def _error_text(error: object) -> str:
    if isinstance(error, confluent_kafka.KafkaError):
        return f"{error.name()}: {error.str()}"
    return str(error)
