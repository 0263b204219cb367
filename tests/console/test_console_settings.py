"""The console's settings and command: a bad setting fails at start naming it, tokens are
secrets, and its variables are known to the unknown-variable check."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dexwatch.cli.main import main
from dexwatch.cli.unknown_environment import known_environment_names
from dexwatch.console.settings import ConsoleSettings, load_console_settings
from dexwatch.schemas.errors import ConfigError


@pytest.fixture(autouse=True)
def no_console_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TOKEN", "TOKEN_FILE", "WRITE_TOKEN", "WRITE_TOKEN_FILE"):
        monkeypatch.delenv(f"DEXWATCH_CONSOLE__{name}", raising=False)


def test_tokens_from_the_environment_or_files_are_never_shown(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "write").write_text("write-token-from-a-file\n")
    monkeypatch.setenv("DEXWATCH_CONSOLE__TOKEN", "read-token-from-env")
    monkeypatch.setenv("DEXWATCH_CONSOLE__WRITE_TOKEN_FILE", str(tmp_path / "write"))
    settings = ConsoleSettings()
    assert settings.token is not None
    assert settings.write_token is not None
    assert settings.token.get_secret_value() == "read-token-from-env"
    assert settings.write_token.get_secret_value() == "write-token-from-a-file"
    shown = repr(settings) + str(settings)
    assert "read-token-from-env" not in shown
    assert "write-token-from-a-file" not in shown


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({}, "DEXWATCH_CONSOLE__TOKEN"),
        (
            {"DEXWATCH_CONSOLE__TOKEN": "same", "DEXWATCH_CONSOLE__WRITE_TOKEN": "same"},
            "write_token",
        ),
        ({"DEXWATCH_CONSOLE__TOKEN": "t", "DEXWATCH_CONSOLE__PORT": "http"}, "port"),
        (
            {"DEXWATCH_CONSOLE__TOKEN": "t", "DEXWATCH_CONSOLE__RETENTION_DAYS": "0"},
            "retention_days",
        ),
        ({"DEXWATCH_CONSOLE__TOKEN_FILE": "/no/such/file"}, "DEXWATCH_CONSOLE__TOKEN_FILE"),
    ],
)
def test_a_bad_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], named: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        ConsoleSettings()
    assert named in str(refused.value)
    assert "'same'" not in str(refused.value)
    with pytest.raises(ConfigError) as reported:
        load_console_settings()
    assert named in str(reported.value)
    assert "'same'" not in str(reported.value)


def test_the_command_fails_at_start_naming_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", "--bootstrap-servers", "127.0.0.1:1"]) == 1
    error = capsys.readouterr().err
    assert "DEXWATCH_CONSOLE__TOKEN" in error


def test_a_bad_argument_says_what_was_expected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["console", "--port", "http"])
    assert stopped.value.code == 2
    assert "an integer from 0 to 65535" in capsys.readouterr().err


def test_its_variables_are_known() -> None:
    known = known_environment_names()
    assert {"DEXWATCH_CONSOLE__TOKEN", "DEXWATCH_CONSOLE__WRITE_TOKEN_FILE"} <= known
    assert {"DEXWATCH_SCORES_TOPIC", "DEXWATCH_INCIDENT_CONTROLS_TOPIC"} <= known
