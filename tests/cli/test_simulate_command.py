"""`dexwatch simulate`: argument checking, pacing, Ctrl-C, and a real run against the broker."""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import pytest

from dexwatch.cli import simulate_command
from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.schemas.codec import decode
from dexwatch.schemas.errors import ConfigError
from dexwatch.schemas.metric_event import MetricEvent
from tests.fake_producer import FakeProducer, install_fake_producer
from tests.support.kafka_helpers import consume, create_topic


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dexwatch")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    simulate_command.register(commands.add_parser("simulate"))
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
        (["--anomalies", "rug_pull"], "argument --anomalies: expected comma-separated kinds from"),
        (["--anomalies", "depeg,"], "volume_burst, liquidity_drain, depeg, fee_spike"),
        (["--speed", "0"], "argument --speed: expected a finite number > 0, got '0'"),
        (["--speed", "2", "--rate", "3"], "argument --rate: not allowed with argument --speed"),
        (["--anomaly-magnitude", "1"], "expected a number above 1 and up to 1000, got '1'"),
        (["--anomaly-count", "0"], "argument --anomaly-count: expected an integer from 1 to"),
        (["--shock-pools", "1"], "argument --shock-pools: expected an integer from 2 to 1000"),
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
    assert simulate_command.destination(args) == ("127.0.0.1:9092", "dexwatch.metrics")
    assert (args.pools, args.seed, args.steps, args.rate) == (4, 7, 0, 20.0)
    assert args.anomaly_at_step == 300
    assert args.labels_out is None
    assert args.handler is simulate_command.run

    monkeypatch.setenv("DEXWATCH_BOOTSTRAP_SERVERS", "broker:29092")
    monkeypatch.setenv("DEXWATCH_METRICS_TOPIC", "metrics.dex")
    args = parse(["--anomaly-at-step", "none"])
    assert simulate_command.destination(args) == ("broker:29092", "metrics.dex")
    assert args.anomaly_at_step is None


@pytest.fixture
def fake_producer(monkeypatch: pytest.MonkeyPatch) -> type[FakeProducer]:
    return install_fake_producer(monkeypatch, simulate_command)


def test_ctrl_c_flushes_writes_clipped_labels_and_exits_0(
    fake_producer: type[FakeProducer],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(fake_producer, "interrupt_after", 4 * 12)  # stop during step 12
    labels_out = tmp_path / "labels.jsonl"
    args = parse(["--rate", "0", "--anomaly-at-step", "10", "--labels-out", str(labels_out)])
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.simulate"):
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
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.simulate"):
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


def test_speed_is_simulated_seconds_per_wall_second(
    fake_producer: type[FakeProducer], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(time, "sleep", sleep)
    # 5-minute steps at 600x: one step every half second.
    assert simulate_command.run(parse(["--steps", "5", "--speed", "600"])) == 0
    assert clock[0] == pytest.approx(2.0)
    assert simulate_command.run(parse(["--steps", "5", "--as-fast-as-possible"])) == 0
    assert clock[0] == pytest.approx(2.0), "no pacing at all"


def test_several_kinds_are_produced_and_labelled_with_shock_ids(
    fake_producer: type[FakeProducer], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    labels_out = tmp_path / "labels.jsonl"
    argv = ["--pools", "8", "--steps", "80", "--rate", "0", "--anomaly-at-step", "20"]
    argv += ["--anomalies", "silent_pool,multi_pool_shock", "--anomaly-spacing", "30"]
    argv += ["--labels-out", str(labels_out)]
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.simulate"):
        assert simulate_command.run(parse(argv)) == 0
    labels = [json.loads(line) for line in labels_out.read_text().splitlines()]
    assert [label["kind"] for label in labels] == ["silent_pool", *["multi_pool_shock"] * 3]
    assert [label["shock_id"] for label in labels] == [None, *["shock-50"] * 3]
    [producer] = fake_producer.instances
    assert producer.source == "simulator"
    assert len(producer.sent) == 80 * 8 - 3, "the silent pool sent nothing for 3 steps"
    assert caplog.text.count("injected multi_pool_shock on pool=") == 3
    assert "(shock shock-50)" in caplog.text


def test_impossible_anomalies_are_a_config_error(fake_producer: type[FakeProducer]) -> None:
    with pytest.raises(ConfigError, match="depeg needs a stablecoin pool"):
        simulate_command.run(parse(["--pools", "2", "--anomalies", "depeg"]))
    assert not fake_producer.instances
