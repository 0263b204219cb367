"""Where the connector's records go: a Kafka topic per kind, keyed, with delivery accounting.

`EventProducer` sends only metric events keyed by their series; this connector also sends DEX
transactions and dead-letter records, so it has this small sink over the same librdkafka
settings (idempotence, acks from all replicas, lz4) and the same `ProducerError`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import confluent_kafka
from pydantic import BaseModel

from dexwatch.connectors.kafka_producer import (
    DEFAULT_PRODUCER_CONFIG,
    ProducerClient,
    ProducerError,
)
from dexwatch.connectors.thegraph.metrics import TheGraphMetrics
from dexwatch.messaging import confluent_client_config
from dexwatch.schemas.codec import encode

__all__ = ["KafkaRecordSink", "RecordSink"]

_LOG = logging.getLogger("dexwatch.connectors.thegraph.record_sink")


class RecordSink(Protocol):
    """Accepts records; `flush()` returns once all are acknowledged, or raises."""

    def send(self, kind: str, topic: str, key: bytes, record: BaseModel) -> None: ...

    def flush(self) -> None: ...


def _producer(config: dict[str, Any]) -> ProducerClient:
    client: ProducerClient = confluent_kafka.Producer(config)
    return client


class KafkaRecordSink:
    """Sends records as JSON to Kafka; counts acknowledgements per kind in `metrics`."""

    def __init__(
        self,
        bootstrap_servers: str,
        metrics: TheGraphMetrics,
        *,
        extra_config: Mapping[str, str | int | float | bool] | None = None,
        flush_timeout_s: float = 30.0,
        client_factory: Callable[[dict[str, Any]], ProducerClient] = _producer,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.flush_timeout_s = flush_timeout_s
        self._metrics = metrics
        self.failed = 0
        self._reported = 0
        self.first_error: str | None = None
        config: dict[str, Any] = confluent_client_config(bootstrap_servers)
        config.update(DEFAULT_PRODUCER_CONFIG)
        config.update(extra_config or {})
        config.setdefault("logger", logging.getLogger("dexwatch.connectors.thegraph.librdkafka"))
        self._client = client_factory(config)

    def send(self, kind: str, topic: str, key: bytes, record: BaseModel) -> None:
        value = encode(record)
        deadline = time.monotonic() + self.flush_timeout_s
        while True:
            try:
                self._client.produce(
                    topic, value=value, key=key, on_delivery=self._on_delivery(kind)
                )
                break
            except BufferError:
                if time.monotonic() > deadline:
                    raise ProducerError(
                        f"the producer queue stayed full for {self.flush_timeout_s:g}s "
                        f"({self.bootstrap_servers}); is the broker reachable?"
                    ) from None
                self._client.poll(0.1)
            except confluent_kafka.KafkaException as error:
                raise ProducerError(f"could not produce to topic {topic!r}: {error}") from error
        self._client.poll(0)

    def flush(self) -> None:
        remaining = self._client.flush(self.flush_timeout_s)
        if remaining > 0:
            raise ProducerError(
                f"{remaining} record(s) still undelivered to {self.bootstrap_servers} after "
                f"{self.flush_timeout_s:g}s; is the broker running and reachable?"
            )
        if self.failed > self._reported:
            count, self._reported = self.failed - self._reported, self.failed
            raise ProducerError(
                f"{count} record(s) could not be delivered to {self.bootstrap_servers} "
                f"(first error: {self.first_error})"
            )

    def _on_delivery(self, kind: str) -> Callable[[Any, Any], None]:
        def delivered(error: Any, _message: Any) -> None:
            if error is None:
                self._metrics.records_produced.labels(kind=kind).inc()
                return
            self.failed += 1
            self._metrics.delivery_errors.labels(kind=kind).inc()
            if self.first_error is None:
                self.first_error = str(error)
            _LOG.debug("delivery of a %s record failed: %s", kind, error)

        return delivered
