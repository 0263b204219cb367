"""`dexwatch replay`: arguments, pacing on a fake clock, bad rows, real replays to the broker."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.cli import replay_command
from dexwatch.cli.main import build_parser, main
from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.connectors.file_replay import RejectTally
from dexwatch.connectors.pacing import Pacer
from dexwatch.schemas.codec import decode, encode
from dexwatch.schemas.metric_event import MetricEvent
from tests.fake_producer import FakeProducer, install_fake_producer
from tests.support.kafka_helpers import consume, create_topic

START = datetime(2026, 1, 5, tzinfo=UTC)
CSV = """timestamp,pool,tvl_usd,volume_usd
2026-01-05T00:00:00Z,p1,100,7
2026-01-05T00:00:00Z,p2,200,8
not-a-time,p1,1,1
2026-01-05T00:05:00Z,p1,101,9
2026-01-05T00:05:00Z,p2,oops,9
2026-01-05T00:10:00Z,p2,202,10
"""


def parse(argv: Sequence[str]) -> argparse.Namespace:
    return build_parser().parse_args(["replay", *argv])


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "pools.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--topic", "t"], "the following arguments are required: FILE"),
        (["{csv}"], "the following arguments are required: --topic"),
        (["missing.csv", "--topic", "t"], "argument FILE: expected an existing file"),
        (["{csv}", "--topic", "t", "--speed", "0"], "argument --speed: expected a finite"),
        (["{csv}", "--topic", "t", "--speed", "fast"], "expected a finite number > 0"),
        (
            ["{csv}", "--topic", "t", "--speed", "2", "--as-fast-as-possible"],
            "argument --as-fast-as-possible: not allowed with argument --speed",
        ),
        (["{csv}", "--topic", "t", "--format", "xml"], "argument --format: invalid choice"),
        (["{csv}", "--topic", "t", "--dimensions", "a,,b"], "expected comma-separated column"),
        (["{csv}", "--topic", "t", "--progress-every", "0"], "expected an integer >= 1"),
        (["{csv}", "--topic", "t", "--rename", "Price"], "expected NAME_IN_FILE=NEW_NAME"),
        (["{csv}", "--topic", "t", "--rename", "Price="], "expected NAME_IN_FILE=NEW_NAME"),
        (["{csv}", "--topic", "t", "--dimension", "pool"], "expected NAME=VALUE, e.g. pool=3pool"),
    ],
)
def test_bad_arguments_say_what_was_expected(
    argv: list[str], expected: str, csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse([arg.replace("{csv}", str(csv_file)) for arg in argv])
    assert caught.value.code == 2
    assert expected in capsys.readouterr().err


def test_csv_options_on_json_lines_and_an_unknown_name_are_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("")
    assert main(["replay", str(events), "--topic", "t", "--dimensions", "pool"]) == 1
    assert "--dimensions: for CSV input only" in capsys.readouterr().err
    assert main(["replay", str(events), "--topic", "t", "--rename", "a=b", "--keep-order"]) == 1
    assert "--rename, --keep-order: for CSV input only" in capsys.readouterr().err
    odd = tmp_path / "events.txt"
    odd.write_text("")
    assert main(["replay", str(odd), "--topic", "t"]) == 1
    assert "give --format csv or --format jsonl" in capsys.readouterr().err


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class RecordingSender:
    """Notes the pacer's clock at each send."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, MetricEvent]] = []
        self.failed = 0
        self.delivered = 0

    def send(self, topic: str, event: MetricEvent) -> None:
        self.sent.append((self.clock.now, event))


def events_at(minutes: Sequence[float]) -> list[tuple[int, MetricEvent]]:
    return [
        (
            line,
            MetricEvent(
                event_time=START + timedelta(minutes=offset),
                source="test",
                measures={"x": 1.0},
            ),
        )
        for line, offset in enumerate(minutes, start=1)
    ]


def run_replay(minutes: Sequence[float], speed: float | None) -> list[float]:
    clock = FakeClock()
    pacer = Pacer(clock, clock.sleep)
    sender = RecordingSender(clock)
    progress = replay_command.Progress(pacer, every=1000)
    result = replay_command.replay(
        events_at(minutes),
        sender,
        "t",
        speed=speed,
        pacer=pacer,
        progress=progress,
        rejects=RejectTally(),
    )
    assert result == replay_command.ReplayResult(len(minutes), interrupted=False)
    return [at - 100.0 for at, _ in sender.sent]


def test_speed_factor_spaces_sends_by_event_time_over_speed() -> None:
    # Event times in minutes; at 60x a minute of event time takes a second.
    sent_at = run_replay([0, 1, 1, 0.5, 10, 12.5], speed=60.0)
    assert sent_at == pytest.approx([0.0, 1.0, 1.0, 1.0, 10.0, 12.5])
    # An event earlier than the one before it (0.5 after 1) goes at once, without waiting.


def test_as_fast_as_possible_never_waits() -> None:
    assert run_replay([0, 60, 120], speed=None) == [0.0, 0.0, 0.0]


def test_progress_every_n_rows_or_every_few_seconds(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    progress = replay_command.Progress(Pacer(clock, clock.sleep), every=3, seconds=10.0)
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.replay"):
        shown = [progress.tick(sent, sent + 1, START, 0) for sent in range(1, 8)]
        clock.now += 11.0
        shown.append(progress.tick(8, 9, START, 2))
    assert shown == [False, False, True, False, False, True, False, True]
    assert "progress: line 9, 8 events sent, 2 bad rows, event time 2026-01-05" in caplog.text


@pytest.fixture
def fake_producer(monkeypatch: pytest.MonkeyPatch) -> type[FakeProducer]:
    return install_fake_producer(monkeypatch, replay_command)


def test_bad_rows_are_counted_shown_with_their_line_and_written_to_rejects(
    fake_producer: type[FakeProducer],
    csv_file: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rejects = tmp_path / "out" / "rejects.jsonl"
    argv = [str(csv_file), "--topic", "t", "--dimensions", "pool", "--rejects", str(rejects)]
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.replay"):
        assert replay_command.run(parse(argv)) == 0
    [producer] = fake_producer.instances
    assert producer.source == "replay"
    assert [event.measures["tvl_usd"] for _, event in producer.sent] == [100, 200, 101, 202]
    assert "bad row at line 4: invalid_time: time 'not-a-time'" in caplog.text
    assert "bad row at line 6: invalid_measure: measure 'tvl_usd' is not a number" in caplog.text
    assert "done: 4 events sent, 4 delivered, 2 bad row(s) (invalid_measure: 1, " in caplog.text
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(row["line"], row["kind"]) for row in written] == [
        (4, "invalid_time"),
        (6, "invalid_measure"),
    ]
    assert written[1]["text"] == "2026-01-05T00:05:00Z,p2,oops,9"


def test_ctrl_c_flushes_reports_and_exits_130(
    fake_producer: type[FakeProducer],
    monkeypatch: pytest.MonkeyPatch,
    csv_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(fake_producer, "interrupt_after", 2)
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.replay"):
        argv = [str(csv_file), "--topic", "t", "--dimensions", "pool"]
        assert replay_command.run(parse(argv)) == 130
    [producer] = fake_producer.instances
    assert producer.flush_timeouts, "flushed"
    assert "interrupted; flushing" in caplog.text
    assert "interrupted: 2 events sent" in caplog.text


def test_a_replay_that_sent_nothing_never_says_done_and_exits_3(
    fake_producer: type[FakeProducer], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,v\nyesterday,1\n2026-01-05T00:00:00Z,oops\n")
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.replay"):
        assert replay_command.run(parse([str(path), "--topic", "t"])) == 3
    assert replay_command.NOTHING_SENT == 3
    assert "nothing sent: 0 events sent, 0 delivered, 2 bad row(s)" in caplog.text
    assert "no event was sent: every row was bad" in caplog.text
    assert "done" not in caplog.text
    empty = tmp_path / "empty.csv"
    empty.write_text("timestamp,v\n")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.replay"):
        assert replay_command.run(parse([str(empty), "--topic", "t"])) == 3
    assert "no event was sent: the file holds no rows" in caplog.text


def test_a_header_that_cannot_make_events_fails_before_a_producer_exists(
    fake_producer: type[FakeProducer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("timestamp,Virtual Price\n2026-01-05T00:00:00Z,1.01\n")
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.replay"):
        assert main(["replay", str(path), "--topic", "t"]) == 1
    assert "--rename 'Virtual Price=virtual_price'" in capsys.readouterr().err
    assert not fake_producer.instances, "nothing was about to be sent"
    assert "done" not in caplog.text


def read_back(bootstrap: str, topic: str, count: int) -> list[tuple[str, MetricEvent]]:
    messages = consume(bootstrap, topic, count=count, timeout_s=30)
    pairs = []
    for message in messages:
        key, value = message.key(), message.value()
        assert isinstance(key, bytes)
        assert isinstance(value, bytes)
        pairs.append((key.decode(), decode(MetricEvent, value)))
    return pairs


@pytest.mark.kafka
def test_csv_replay_reaches_the_broker_keyed_by_series_with_event_times(
    kafka_bootstrap: str, unique_name: Callable[[str], str], csv_file: Path
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("replay"), partitions=2)
    argv = [str(csv_file), "--topic", topic, "--bootstrap-servers", kafka_bootstrap]
    assert replay_command.run(parse([*argv, "--dimensions", "pool", "--source", "csv"])) == 0
    received = read_back(kafka_bootstrap, topic, count=4)
    assert sorted((key, event.event_time) for key, event in received) == [
        ("pool=p1", START),
        ("pool=p1", START + timedelta(minutes=5)),
        ("pool=p2", START),
        ("pool=p2", START + timedelta(minutes=10)),
    ]
    assert {event.source for _, event in received} == {"csv"}


@pytest.mark.kafka
def test_json_lines_replay_reaches_the_broker_unchanged(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("replay"))
    simulator = DexMarketSimulator(SimulatorConfig(pools=3, anomaly_at_step=None))
    events = [event for step in simulator.steps(10) for event in step]
    path = tmp_path / "events.jsonl"
    lines = [encode(event) for event in events]
    path.write_bytes(b"\n".join([*lines[:5], b'{"broken": ', *lines[5:]]) + b"\n")
    argv = [str(path), "--topic", topic, "--bootstrap-servers", kafka_bootstrap]
    assert replay_command.run(parse(argv)) == 0
    received = read_back(kafka_bootstrap, topic, count=len(events))
    assert len(received) == len(events)
    assert all(key == event.series_key for key, event in received)

    def order(event: MetricEvent) -> tuple[datetime, str]:
        return event.event_time, event.series_key

    assert sorted((event for _, event in received), key=order) == sorted(events, key=order)


@pytest.mark.kafka
def test_a_real_export_replayed_renamed_with_a_pool_and_in_time_order(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    # A header with spaces, newest first, no pool column: what a dashboard export looks like.
    hours = range(6)
    export = tmp_path / "3pool export.csv"
    export.write_text(
        "Time,Virtual Price,Balance Total\n"
        + "".join(
            f"{(START + timedelta(hours=hour)).isoformat()},{1 + hour / 1000},{100 + hour}\n"
            for hour in reversed(hours)
        )
    )
    topic = create_topic(kafka_bootstrap, unique_name("replay"), partitions=2)
    argv = [str(export), "--topic", topic, "--bootstrap-servers", kafka_bootstrap]
    renames = ["--rename", "Virtual Price=virtual_price", "--rename", "Balance Total=tvl_usd"]
    shaping = [*renames, "--dimension", "pool=3pool", "--time-column", "Time"]
    assert replay_command.run(parse([*argv, *shaping])) == 0
    received = read_back(kafka_bootstrap, topic, count=len(hours))
    assert [key for key, _ in received] == ["pool=3pool"] * len(hours)
    # One series, one partition: the topic holds it oldest first, as the worker should see it.
    assert [event.event_time for _, event in received] == [
        START + timedelta(hours=hour) for hour in hours
    ]
    assert [event.measures for _, event in received] == [
        {"virtual_price": 1 + hour / 1000, "tvl_usd": 100.0 + hour} for hour in hours
    ]
    assert {tuple(event.dimensions.items()) for _, event in received} == {(("pool", "3pool"),)}
