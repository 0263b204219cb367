"""Incidents that keep coming: a thread that produces versions to the alerts topic until told
to stop, as a worker would while anomalies go on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Self

from confluent_kafka import KafkaError, Message, Producer

from dexwatch.schemas.codec import encode
from dexwatch.schemas.incident import IncidentEvent
from tests.sinks.incidents import incident

__all__ = ["IncidentFeed"]


class IncidentFeed:
    """Every `interval_s`, the next version (made then): incident 0 v1..v3, incident 1 v1..v3,
    ...; the last version of each is its resolution."""

    def __init__(self, bootstrap: str, topic: str, *, interval_s: float, versions: int = 3):
        self._producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
        self._topic = topic
        self._interval_s = interval_s
        self._versions = versions
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._acknowledged: list[IncidentEvent] = []
        self._errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="incident-feed", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc_info: object) -> None:
        self.stop()

    def produced(self) -> list[IncidentEvent]:
        """Every version Kafka acknowledged so far, in the order produced."""
        with self._lock:
            return list(self._acknowledged)

    def stop(self) -> list[IncidentEvent]:
        self._stop.set()
        self._thread.join(timeout=60)
        assert self._producer.flush(30) == 0, "the feed's last records were not acknowledged"
        assert not self._errors, f"the feed could not produce: {self._errors[:3]}"
        return self.produced()

    def _run(self) -> None:
        number = 0
        while not self._stop.is_set():
            for version in range(1, self._versions + 1):
                last = version == self._versions
                event = incident(number, version, status="resolved" if last else None)
                self._producer.produce(
                    self._topic,
                    key=event.incident_id.encode(),
                    value=encode(event),
                    on_delivery=self._acknowledge(event),
                )
                self._producer.poll(0)
                if self._stop.wait(self._interval_s):
                    break
            number += 1
        self._producer.flush(30)

    def _acknowledge(self, event: IncidentEvent) -> Callable[[KafkaError | None, Message], None]:
        def done(error: KafkaError | None, _message: Message) -> None:
            with self._lock:
                if error is None:
                    self._acknowledged.append(event)
                else:
                    self._errors.append(str(error))

        return done
