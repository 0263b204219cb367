"""`dexwatch simulate`: argument checking, pacing, Ctrl-C, and a real run against the broker."""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import ClassVar

import pytest

from connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from schemas.codec import decode
from schemas.metric_event import MetricEvent
from streams.cli import simulate_command
from tests.kafka_helpers import consume, create_topic


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dexwatch")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    simulate_command.register(commands)
    return parser.parse_args(["simulate", *argv])


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--pools", "0"], "argument --pools: expected an integer from 1 to 1000, got '0'"),
        (["--pools", "many"], "argument --pools: expected an integer from 1 to 1000, got 'many'"),
        (["--rate", "-1"], "argument --rate: expected a finite number >= 0"),
        (["--rate", "nan"], "argument --rate: expected a finite number >= 0"),
        (["--steps", "-5"], "argument --steps: expected an integer >= 0, got '-5'"),
        (["--seed", "-1"], "argument --seed: expected an integer from 0 to"),
        (["--anomaly-at-step", "soon"], "expected a step number >= 0, or 'none'"),
    ],
)
def test_bad_arguments_say_what_was_expected(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse(argv)
    assert caught.value.code == 2
    assert expected in capsys.readouterr().err


def test_defaults_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEXWATCH_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("DEXWATCH_METRICS_TOPIC", raising=False)
    args = parse([])
    assert (args.bootstrap_servers, args.topic) == ("127.0.0.1:9092", "dexwatch.metrics")
    assert (args.pools, args.seed, args.steps, args.rate) == (4, 7, 0, 20.0)
    assert args.anomaly_at_step == 300
    assert args.labels_out is None
    assert args.handler is simulate_command.run

    monkeypatch.setenv("DEXWATCH_BOOTSTRAP_SERVERS", "broker:29092")
    monkeypatch.setenv("DEXWATCH_METRICS_TOPIC", "metrics.dex")
    args = parse(["--anomaly-at-step", "none"])
    assert (args.bootstrap_servers, args.topic) == ("broker:29092", "metrics.dex")
    assert args.anomaly_at_step is None


class FakeProducer:
    """Stands in for EventProducer; optionally presses Ctrl-C after `interrupt_after` sends."""

    instances: ClassVar[list[FakeProducer]] = []
    interrupt_after: ClassVar[int | None] = None
    on_send: ClassVar[Callable[[], None]] = staticmethod(lambda: None)

    def __init__(self, bootstrap_servers: str, *, extra_config: Mapping[str, object]) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.extra_config = extra_config
        self.sent: list[tuple[str, MetricEvent]] = []
        self.flush_timeouts: list[float | None] = []
        self.delivered = 0
        self.failed = 0
        FakeProducer.instances.append(self)

    def send(self, topic: str, event: MetricEvent) -> None:
        if self.interrupt_after is not None and len(self.sent) >= self.interrupt_after:
            raise KeyboardInterrupt
        FakeProducer.on_send()
        self.sent.append((topic, event))

    def flush(self, timeout_s: float | None = None) -> None:
        self.flush_timeouts.append(timeout_s)
        self.delivered = len(self.sent) - self.failed

    def __enter__(self) -> FakeProducer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.flush()


@pytest.fixture
def fake_producer(monkeypatch: pytest.MonkeyPatch) -> type[FakeProducer]:
    monkeypatch.setattr(FakeProducer, "instances", [])
    monkeypatch.setattr(simulate_command, "EventProducer", FakeProducer)
    return FakeProducer


def test_ctrl_c_flushes_writes_clipped_labels_and_exits_0(
    fake_producer: type[FakeProducer],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(fake_producer, "interrupt_after", 4 * 12)  # stop during step 12
    labels_out = tmp_path / "labels.jsonl"
    args = parse(["--rate", "0", "--anomaly-at-step", "10", "--labels-out", str(labels_out)])
    with caplog.at_level(logging.INFO, logger="connectors.simulate"):
        assert simulate_command.run(args) == 0
    [producer] = fake_producer.instances
    assert len(producer.sent) == 48
    assert producer.flush_timeouts, "flushed after Ctrl-C"
    [line] = labels_out.read_text().splitlines()
    label = json.loads(line)
    # The burst lasts steps 10-12; only steps 10 and 11 were produced.
    assert datetime.fromisoformat(label["start"]) == datetime.fromisoformat("2026-01-05T00:50Z")
    assert datetime.fromisoformat(label["end"]) == datetime.fromisoformat("2026-01-05T01:00Z")
    assert "interrupted after 12 steps" in caplog.text
    assert "injected volume_burst on pool=0x" in caplog.text


def test_pacing_is_scheduled_from_the_start_and_does_not_drift(
    fake_producer: type[FakeProducer], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    def slow_send() -> None:
        clock[0] += 0.01  # each send costs 10 ms of "wall time", 40 ms a step

    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(fake_producer, "on_send", staticmethod(slow_send))
    assert simulate_command.run(parse(["--steps", "101", "--rate", "10"])) == 0
    # Step 100 starts at exactly 10 s: the 40 ms of work per step is absorbed, not added.
    assert clock[0] - 1000.0 == pytest.approx(10.0 + 0.04, abs=1e-6)
    assert all(seconds == pytest.approx(0.06) for seconds in sleeps)


def test_labels_out_without_anomaly_in_range_is_empty(
    fake_producer: type[FakeProducer], tmp_path: Path
) -> None:
    labels_out = tmp_path / "nested" / "labels.jsonl"
    args = parse(["--steps", "20", "--rate", "0", "--labels-out", str(labels_out)])
    assert simulate_command.run(args) == 0
    assert labels_out.read_text() == ""
    assert len(fake_producer.instances[0].sent) == 80


def test_failing_deliveries_stop_the_run_and_flush_quickly(
    fake_producer: type[FakeProducer], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail_from_step_3() -> None:
        [producer] = fake_producer.instances
        if len(producer.sent) >= 12:
            producer.failed = 1

    monkeypatch.setattr(fake_producer, "on_send", staticmethod(fail_from_step_3))
    assert simulate_command.run(parse(["--rate", "0"])) == 0  # the fake flush does not raise
    [producer] = fake_producer.instances
    assert len(producer.sent) == 16, "stopped after the step that saw the failure"
    assert producer.flush_timeouts[0] == pytest.approx(2.0)


@pytest.mark.kafka
@pytest.mark.slow
def test_simulate_produces_every_event_and_writes_labels(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("metrics"))
    labels_out = tmp_path / "labels.jsonl"
    args = parse(
        [
            "--bootstrap-servers",
            kafka_bootstrap,
            "--topic",
            topic,
            "--pools",
            "3",
            "--steps",
            "50",
            "--rate",
            "0",
            "--anomaly-at-step",
            "10",
            "--labels-out",
            str(labels_out),
        ]
    )
    with caplog.at_level(logging.INFO, logger="connectors.simulate"):
        assert args.handler(args) == 0

    messages = consume(kafka_bootstrap, topic, count=150, timeout_s=30)
    assert len(messages) == 150
    values = [message.value() for message in messages]
    events = [decode(MetricEvent, value) for value in values if isinstance(value, bytes)]
    simulator = DexMarketSimulator(SimulatorConfig(pools=3, anomaly_at_step=10))
    expected = [event for step in simulator.steps(50) for event in step]
    assert sorted(events, key=_order) == sorted(expected, key=_order)

    [line] = labels_out.read_text().splitlines()
    [label] = simulator.labels()
    assert json.loads(line) == json.loads(label.model_dump_json())
    assert "injected volume_burst on pool=" in caplog.text
    assert "done: 50 steps, 150 events produced, 150 delivered" in caplog.text


def _order(event: MetricEvent) -> tuple[datetime, str]:
    return event.event_time, event.series_key
