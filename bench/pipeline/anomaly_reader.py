"""A thread that reads the anomalies topic and notes each anomaly's arrival time."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime

import orjson
from confluent_kafka import Consumer

from bench.pipeline.events import epoch

__all__ = ["AnomalyReader"]


class AnomalyReader(threading.Thread):
    """Reads the anomalies topic from the start; arrival wall time per (series, start)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"bench-reader-{uuid.uuid4().hex[:8]}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "fetch.wait.max.ms": 5,
            }
        )
        self.consumer.subscribe([topic])
        # (series, interval start, arrival wall time, the worker's `detected_at`)
        self.arrivals: list[tuple[str, int, float, float]] = []
        self.stopping = threading.Event()
        self.assigned = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                message = self.consumer.poll(0.05)
                if message is None:
                    if self.consumer.assignment():
                        self.assigned.set()
                    continue
                if message.error() is not None:
                    continue
                arrived = time.time()
                anomaly = orjson.loads(message.value() or b"{}")
                detected = datetime.fromisoformat(anomaly["detected_at"]).timestamp()
                self.arrivals.append(
                    (anomaly["series"], epoch(anomaly["interval_start"]), arrived, detected)
                )
        finally:
            self.consumer.close()

    def wait_for(self, count: float, timeout_s: float) -> None:
        """Until `count` anomalies have arrived (what the worker says it produced), or at
        most `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while len(self.arrivals) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    def finish(self) -> None:
        self.stopping.set()
        self.join(10)
