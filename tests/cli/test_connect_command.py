"""`dexwatch connect thegraph`: argument checking, and `--once` against the local server."""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import orjson
import pytest

from dexwatch.cli import connect_command
from dexwatch.cli.main import main
from dexwatch.schemas.codec import decode
from dexwatch.schemas.dex_transaction import DexTransaction
from dexwatch.schemas.metric_event import MetricEvent
from tests.support.kafka_helpers import consume, create_topic
from tests.thegraph_server import RunningServer, ServerControl, TheGraphTestServer

V3_ID = "5zvR82QoaXYFyDEKLZ9t6v9adgnptxYpKpSbxtgVENFV"
KEY = "fedcba9876543210fedcba9876543210"
HEAD = 1767571200.0 + 30 * 3600 + 600


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dexwatch")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    connect_command.register(commands.add_parser("connect"))
    return parser.parse_args(["connect", "thegraph", *argv])


@pytest.fixture
def running() -> Iterator[RunningServer]:
    server = TheGraphTestServer(api_key=KEY, control=ServerControl(now=HEAD))
    with RunningServer(server) as running:
        yield running


USAGE_ERRORS = {
    "--top-pools 0": "argument --top-pools: expected an integer from 1 to 1000, got '0'",
    "--pools pool1": "argument --pools: expected pool addresses separated by commas",
    "--pools 0x1 --top-pools 2": "argument --top-pools: not allowed with argument --pools",
    "--schema v4": "argument --schema: invalid choice: 'v4'",
    "--interval 0": "argument --interval: expected a finite number > 0, got '0'",
    "--metrics-port 99999": "argument --metrics-port: expected an integer from 1 to 65535",
}


@pytest.mark.parametrize("arguments", USAGE_ERRORS)
def test_bad_arguments_say_what_was_expected(
    arguments: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse(arguments.split())
    assert (caught.value.code, USAGE_ERRORS[arguments] in capsys.readouterr().err) == (2, True)


def test_the_endpoint_and_pools_may_come_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEXWATCH_THEGRAPH_ENDPOINT", "gopher://x")
    monkeypatch.setenv("DEXWATCH_THEGRAPH_TOP_POOLS", "3")
    assert main(["connect", "thegraph"]) == 1
    # Past the checks that each is given: the environment's endpoint is the one refused.
    assert "endpoint: Value error, expected" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--top-pools", "3"], "expected --endpoint URL"),
        (["--endpoint", "http://127.0.0.1:1/x"], "expected --pools A,B (pool addresses)"),
        (["--endpoint", "gopher://x", "--top-pools", "3"], "endpoint: Value error, expected"),
    ],
)
def test_missing_or_bad_settings_are_one_line_errors(
    argv: list[str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("ENDPOINT", "POOLS", "TOP_POOLS", "API_KEY"):
        monkeypatch.delenv(f"DEXWATCH_THEGRAPH_{name}", raising=False)
    assert main(["connect", "thegraph", *argv]) == 1
    assert expected in capsys.readouterr().err


def test_a_refused_key_stops_with_a_clear_message(
    running: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "key"
    wrong.write_text("0" * 32)
    argv = ["--endpoint", running.url(V3_ID), "--api-key-file", str(wrong), "--top-pools", "2"]
    argv += ["--bootstrap-servers", "127.0.0.1:1", "--checkpoint", str(tmp_path / "cp.json")]
    assert main(["connect", "thegraph", *argv, "--once"]) == 1
    error = capsys.readouterr().err
    assert "refused the API key" in error
    assert "0" * 32 not in error
    assert not (tmp_path / "cp.json").exists()


@pytest.mark.kafka
@pytest.mark.slow
def test_once_publishes_a_poll_to_kafka(
    running: RunningServer,
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DEXWATCH_THEGRAPH_API_KEY", KEY)
    metrics_topic = create_topic(kafka_bootstrap, unique_name("metrics"))
    transactions_topic = create_topic(kafka_bootstrap, unique_name("transactions"))
    checkpoint = tmp_path / "checkpoint.json"
    argv = ["connect", "thegraph", "--endpoint", running.url(V3_ID), "--top-pools", "5"]
    argv += ["--bootstrap-servers", kafka_bootstrap, "--topic", metrics_topic]
    argv += ["--transactions-topic", transactions_topic, "--checkpoint", str(checkpoint)]
    argv += ["--backfill-hours", "3", "--once"]
    with caplog.at_level(logging.INFO, logger="dexwatch.connectors.thegraph"):
        assert main(argv) == 0
    summary = re.search(
        r"5 pools, (\d+) hourly \+ 0 snapshot events, (\d+) transactions", caplog.text
    )
    assert summary is not None, caplog.text
    hourly, transaction_count = (int(group) for group in summary.groups())

    saved = orjson.loads(checkpoint.read_bytes())
    assert len(saved["selected_pools"]) == 5
    assert running.server.ctl.requests[0].authorization == f"Bearer {KEY}"
    messages = consume(kafka_bootstrap, metrics_topic, hourly, timeout_s=30)
    events = [decode(MetricEvent, message.value() or b"") for message in messages]
    assert len(events) == hourly > 5
    assert {event.dimensions["pool"] for event in events} <= set(saved["selected_pools"])
    assert {event.dimensions["feed"] for event in events} == {"hourly"}
    transactions = consume(kafka_bootstrap, transactions_topic, transaction_count, timeout_s=30)
    assert len(transactions) == transaction_count > 0
    for message in transactions:
        transaction = decode(DexTransaction, message.value() or b"")
        assert transaction.dimensions["pool"] in saved["selected_pools"]
