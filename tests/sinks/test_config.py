"""The sinks' configuration: the shipped example loads; bad files name the field; no secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from dexwatch.schemas.errors import ConfigError
from dexwatch.sinks.config import SinksConfig, SlackSinkConfig, WebhookSinkConfig, load_sinks_config

EXAMPLE = Path(__file__).parents[2] / "deploy" / "sinks.yaml"
SLACK_URL = "https://hooks.slack.com/services/T0001/B0001/SECRETTOKENxyz"
RISK_SECRET = "risk-secret-0123456789abcdef"
ARCHIVE_SECRET = "archive-secret-0123456789abcdef"


@pytest.fixture
def secrets_in_place(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The example's secrets: two environment variables and a file (the file moved to tmp)."""
    monkeypatch.setenv("DEXWATCH_SLACK_WEBHOOK_URL", SLACK_URL)
    monkeypatch.setenv("DEXWATCH_WEBHOOK_SECRET_RISK", RISK_SECRET)
    secret_file = tmp_path / "archive-secret"
    secret_file.write_text(ARCHIVE_SECRET + "\n")
    document = yaml.safe_load(EXAMPLE.read_text())
    document["webhooks"][1]["secret_file"] = str(secret_file)
    path = tmp_path / "sinks.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "sinks.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_shipped_example_loads(secrets_in_place: Path) -> None:
    config = load_sinks_config(secrets_in_place)
    assert [sink.name for sink in config.sinks] == ["defi-ops", "risk-engine", "archive"]
    slack, risk, archive = config.sinks
    assert isinstance(slack, SlackSinkConfig)
    assert isinstance(risk, WebhookSinkConfig)
    assert isinstance(archive, WebhookSinkConfig)
    assert slack.webhook_url.get_secret_value() == SLACK_URL
    assert risk.secret.get_secret_value() == RISK_SECRET
    assert archive.secret.get_secret_value() == ARCHIVE_SECRET  # stripped of its newline
    assert risk.filter.group == {"chain": frozenset({"ethereum", "arbitrum"})}
    assert config.group_id(slack) == "dexwatch-sink-defi-ops"
    assert config.policy(archive).max_attempts == 100
    assert config.policy(risk) == config.delivery
    assert config.ledger_path(risk) == Path(".dexwatch/sinks/risk-engine.ledger")


def test_secrets_never_show_in_repr_or_str(secrets_in_place: Path) -> None:
    config = load_sinks_config(secrets_in_place)
    for text in (repr(config), str(config), repr(config.sinks), str(config.model_dump())):
        for secret in (SLACK_URL, "SECRETTOKENxyz", RISK_SECRET, ARCHIVE_SECRET):
            assert secret not in text


def test_the_command_line_overrides_the_file_which_overrides_defaults(
    secrets_in_place: Path,
) -> None:
    config = load_sinks_config(
        secrets_in_place,
        overrides={"alerts_topic": "from-cli", "data_dir": None},
        defaults={"bootstrap_servers": "from-env:9092", "metrics_port": 1234},
    )
    assert config.alerts_topic == "from-cli"
    assert config.bootstrap_servers == "127.0.0.1:9092"  # the file's, over the default
    assert config.metrics_port == 6067
    assert config.data_dir == Path(".dexwatch/sinks")


def test_only_keeps_the_named_sinks(secrets_in_place: Path) -> None:
    config = load_sinks_config(secrets_in_place).only(["archive", "defi-ops"])
    assert [sink.name for sink in config.sinks] == ["defi-ops", "archive"]
    with pytest.raises(ConfigError, match="no sink named nope; configured: defi-ops, risk"):
        load_sinks_config(secrets_in_place).only(["nope"])


SLACK_A = {"name": "a", "webhook_url_env": "DEXWATCH_TEST_URL"}
HOOK_W = {"name": "w", "url": "https://x.example", "secret_env": "DEXWATCH_TEST_SECRET"}
BAD_FILES = [
    (
        {"slack": [{"name": "a", "webhook_url_env": "DEXWATCH_TEST_UNSET"}]},
        "slack.0: Value error, webhook_url_env: the environment variable DEXWATCH_TEST_UNSET is "
        "not set",
    ),
    (
        {"slack": [{"name": "a", "webhook_url_file": "/nonexistent/file"}]},
        "slack.0: Value error, webhook_url_file: cannot read /nonexistent/file (FileNotFoundError)",
    ),
    ({"slack": [{"name": "a"}]}, "slack.0: Value error, give webhook_url_env"),
    (
        {"slack": [{"name": "a", "webhook_url": SLACK_URL}]},
        "slack.0: Value error, webhook_url must not be written in the config file",
    ),
    (
        {"webhooks": [{"name": "w", "url": "https://x.example", "secret": "s" * 20}]},
        "webhooks.0: Value error, secret must not be written in the config file",
    ),
    (
        {"webhooks": [HOOK_W | {"url": "ftp://x.example"}]},
        "webhooks.0.url: Value error, expected an http:// or https:// URL",
    ),
    (
        {"webhooks": [HOOK_W | {"secret_env": "DEXWATCH_TEST_SHORT"}]},
        "webhooks.0.secret: Value error, the secret must be at least 16 characters",
    ),
    ({"webhooks": [{"name": "w", "secret_env": "DEXWATCH_TEST_SECRET"}]}, "webhooks.0.url: Field"),
    ({"slack": [SLACK_A | {"name": "bad name!"}]}, "slack.0.name: String should match"),
    (
        {"slack": [SLACK_A | {"filter": {"min_severity": 200}}]},
        "slack.0.filter.min_severity: Input should be less than or equal to 100",
    ),
    (
        {"slack": [SLACK_A | {"delivery": {"max_attempts": 0}}]},
        "slack.0.delivery.max_attempts: Input should be greater than or equal to 1",
    ),
    ({"slack": [SLACK_A, SLACK_A]}, "sink names must be unique; used more than once: ['a']"),
    ({}, "configure at least one sink under `slack` or `webhooks`"),
    ({"alerts_topic": "bad topic", "slack": [SLACK_A]}, "alerts_topic: String should match"),
    ({"slak": [], "slack": [SLACK_A]}, "slak: Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("document", "message"), BAD_FILES)
def test_bad_files_name_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: dict[str, Any], message: str
) -> None:
    monkeypatch.delenv("DEXWATCH_TEST_UNSET", raising=False)
    monkeypatch.setenv("DEXWATCH_TEST_URL", SLACK_URL)
    monkeypatch.setenv("DEXWATCH_TEST_SECRET", "s" * 20)
    monkeypatch.setenv("DEXWATCH_TEST_SHORT", "short-secret")
    path = write(tmp_path, document)
    with pytest.raises(ConfigError) as caught:
        load_sinks_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    for secret in (SLACK_URL, "SECRETTOKENxyz", "s" * 20, "short-secret"):
        assert secret not in str(caught.value)


def test_a_bad_slack_url_is_named_without_being_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEXWATCH_TEST_URL", "hooks.slack.com/services/T/B/LEAKME")
    path = write(tmp_path, {"slack": [{"name": "a", "webhook_url_env": "DEXWATCH_TEST_URL"}]})
    with pytest.raises(
        ConfigError, match=r"slack\.0\.webhook_url: Value error, expected an"
    ) as caught:
        load_sinks_config(path)
    assert "LEAKME" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("slack: [unclosed", "is not valid YAML"), ("- a list", "expected a mapping of settings")],
)
def test_files_that_are_not_settings(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sinks.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_sinks_config(path)


def test_secrets_may_be_given_directly_in_python() -> None:
    config = SinksConfig(
        slack=(SlackSinkConfig(name="a", webhook_url=SecretStr(SLACK_URL)),),
        webhooks=(
            WebhookSinkConfig(name="b", url="http://127.0.0.1:1/h", secret=SecretStr("x" * 16)),
        ),
    )
    assert [sink.kind for sink in config.sinks] == ["slack", "webhook"]
