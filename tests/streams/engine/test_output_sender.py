"""OutputSender: every output written before it returns, failures retried, dead letters that
are too large cut further, and only written dead letters counted."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError

from dexwatch.schemas import DeadLetterRecord, decode
from dexwatch.streams.engine.output_sender import OutputSender
from dexwatch.streams.intake.dead_letter_building import dead_letter_output
from dexwatch.streams.intake.records import ConsumedRecord, OutputRecord
from dexwatch.streams.metrics import WorkerMetrics

KINDS = {"dead": "dead_letter", "anomalies": "anomaly"}


class FakeBroker:
    """Fails the first `failures` deliveries with `error`; refuses values over `max_bytes`
    when they are handed over, as aiokafka's producer does."""

    def __init__(self, failures: int = 0, error: Exception | None = None, max_bytes: int = 10**9):
        self.failures = failures
        self.error = error or KafkaTimeoutError()
        self.max_bytes = max_bytes
        self.written: list[OutputRecord] = []

    async def send(self, output: OutputRecord) -> Any:
        if len(output.value) > self.max_bytes:
            raise MessageSizeTooLargeError("too large")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.failures:
            self.failures -= 1
            done.set_exception(self.error)
        else:
            self.written.append(output)
            done.set_result(None)
        return done


def _sender(broker: FakeBroker) -> tuple[OutputSender, WorkerMetrics, list[float]]:
    metrics = WorkerMetrics()
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    return OutputSender(broker.send, metrics, KINDS, sleep=sleep), metrics, pauses


def _dead(value: bytes, limit: int = 64 * 1024) -> OutputRecord:
    record = ConsumedRecord("metrics", 0, 5, b"k", value)
    return dead_letter_output("dead", record, "invalid_json", "not JSON", limit)


def _sample(metrics: WorkerMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_a_failed_delivery_is_retried_until_written_and_counted_once() -> None:
    broker = FakeBroker(failures=3)
    sender, metrics, pauses = _sender(broker)
    anomaly = OutputRecord("anomalies", b"s", b"{}")
    asyncio.run(sender.send_all([_dead(b"x"), anomaly]))
    assert [o.topic for o in broker.written] == ["anomalies", "dead"]
    assert pauses == [0.1, 0.2]  # two rounds failed (the first both, the second one)
    assert _sample(metrics, "dexwatch_events_dead_lettered_total", reason="invalid_json") == 1
    failures = "dexwatch_output_write_failures_total"
    assert _sample(metrics, failures, output="dead_letter", error="broker") == 2
    assert _sample(metrics, failures, output="anomaly", error="broker") == 1


def test_a_dead_letter_too_large_is_cut_until_it_fits() -> None:
    broker = FakeBroker(max_bytes=20_000)
    sender, metrics, pauses = _sender(broker)
    asyncio.run(sender.send_all([_dead(b"y" * 100_000)]))
    [written] = broker.written
    letter = decode(DeadLetterRecord, written.value)
    assert 0 < len(letter.original) < 20_000
    assert letter.original_size == 100_000
    assert pauses == []  # cut at once, no pause
    assert _sample(metrics, "dexwatch_events_dead_lettered_total", reason="invalid_json") == 1
    failures = "dexwatch_output_write_failures_total"
    assert _sample(metrics, failures, output="dead_letter", error="too_large") >= 1


def test_nothing_to_send_returns_at_once() -> None:
    broker = FakeBroker()
    sender, _, pauses = _sender(broker)
    asyncio.run(sender.send_all([]))
    assert broker.written == []
    assert pauses == []
