"""`dexwatch sink`: where its settings come from, and what it says when they are wrong."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from dexwatch.cli import sink_command
from dexwatch.cli.main import build_parser, main

URL = "https://hooks.slack.com/services/T1/B1/topsecrettoken"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dexwatch")
    commands = parser.add_subparsers(dest="command", required=True)
    sink_command.register(commands.add_parser("sink"))
    return parser.parse_args(argv)


OPS = {"name": "ops", "webhook_url_env": "DEXWATCH_SLACK_WEBHOOK_URL"}


def config_file(tmp_path: Path, **settings: object) -> Path:
    path = tmp_path / "sinks.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DEXWATCH_SLACK_WEBHOOK_URL",
        "DEXWATCH_BOOTSTRAP_SERVERS",
        "DEXWATCH_ALERTS_TOPIC",
    ):
        monkeypatch.delenv(name, raising=False)


def test_it_is_a_dexwatch_command() -> None:
    assert "sink" in build_parser().format_help()


def test_without_a_config_a_slack_url_from_the_environment_makes_one_sink(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEXWATCH_SLACK_WEBHOOK_URL", URL)
    monkeypatch.setenv("DEXWATCH_BOOTSTRAP_SERVERS", "kafka:9092")
    config = sink_command._settings(parse(["sink", "--metrics-port", "0"]))
    (slack,) = config.sinks
    assert (slack.name, slack.kind, config.bootstrap_servers, config.metrics_port) == (
        "slack",
        "slack",
        "kafka:9092",
        0,
    )


def test_without_a_config_a_slack_url_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "slack-url"
    secret.write_text(URL + "\n")
    config = sink_command._settings(
        parse(["sink", "--slack-webhook-url-file", str(secret), "--alerts-topic", "my.alerts"])
    )
    (slack,) = config.slack
    assert slack.webhook_url.get_secret_value() == URL
    assert config.alerts_topic == "my.alerts"


def test_nothing_to_deliver_to_says_what_to_give(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sink"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("dexwatch sink: expected --config FILE (see deploy/sinks.yaml)")
    assert "DEXWATCH_SLACK_WEBHOOK_URL" in error


def test_a_bad_config_fails_naming_the_file_and_field_without_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEXWATCH_SLACK_WEBHOOK_URL", URL)
    config = config_file(tmp_path, slack=[OPS | {"filter": {"min_severity": "high"}}])
    assert main(["sink", "--config", str(config)]) == 1
    error = capsys.readouterr().err
    assert f"{config}: slack.0.filter.min_severity: Input should be a valid integer" in error
    assert "topsecrettoken" not in error


def test_only_an_unknown_sink_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEXWATCH_SLACK_WEBHOOK_URL", URL)
    config = config_file(tmp_path, slack=[OPS])
    assert main(["sink", "--config", str(config), "--only", "pager"]) == 1
    assert "--only: no sink named pager; configured: ops" in capsys.readouterr().err


def test_the_command_line_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEXWATCH_SLACK_WEBHOOK_URL", URL)
    monkeypatch.setenv("DEXWATCH_BOOTSTRAP_SERVERS", "env:9092")
    config = config_file(tmp_path, bootstrap_servers="file:9092", data_dir="x", slack=[OPS])
    settings = sink_command._settings(
        parse(["sink", "--config", str(config), "--data-dir", "from-cli"])
    )
    assert (settings.bootstrap_servers, settings.data_dir) == ("file:9092", Path("from-cli"))
