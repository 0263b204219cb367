"""Unknown `DEXWATCH_*` variables are reported at start, with the closest known name."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from dexwatch.cli.main import main
from dexwatch.cli.unknown_environment import (
    known_environment_names,
    warn_unknown_environment,
)


def test_known_names_come_from_the_settings_models() -> None:
    known = known_environment_names()
    for name in (
        "DEXWATCH_BOOTSTRAP_SERVERS",
        "DEXWATCH_DETECTOR__ALERT_THRESHOLD",
        "DEXWATCH_EVENT_TIMES__MAX_AHEAD",
        "DEXWATCH_KAFKA__SASL_PASSWORD_FILE",
        "DEXWATCH_KAFKA_PORT",
        "DEXWATCH_THEGRAPH_API_KEY",
    ):
        assert name in known
    assert "DEXWATCH_KAFKA__BOOTSTRAP_SERVERS" not in known  # never read: the command's is


def test_a_typo_is_named_with_the_closest_known_name(caplog: pytest.LogCaptureFixture) -> None:
    environ = {
        "DEXWATCH_BOOTSTRAP_SERVER": "b:1",
        "DEXWATCH_KAFKA__SASL_PASWORD": "secret-value",
        "DEXWATCH_APP_ID": "fine",
        "HOME": "/root",
    }
    with caplog.at_level(logging.WARNING):
        unknown = warn_unknown_environment(environ)
    assert unknown == ["DEXWATCH_BOOTSTRAP_SERVER", "DEXWATCH_KAFKA__SASL_PASWORD"]
    messages = [record.getMessage() for record in caplog.records]
    assert any(
        "DEXWATCH_BOOTSTRAP_SERVER is ignored (did you mean DEXWATCH_BOOTSTRAP_SERVERS?)" in m
        for m in messages
    )
    assert any("did you mean DEXWATCH_KAFKA__SASL_PASSWORD?" in m for m in messages)
    assert not any("secret-value" in m for m in messages)
    assert all(record.levelno == logging.WARNING for record in caplog.records)


def test_every_command_reports_them_at_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("DEXWATCH_BOOTSTRAP_SERVER", "b:1")
    with caplog.at_level(logging.WARNING):
        main(["schemas", "export", str(tmp_path)])
    assert any("DEXWATCH_BOOTSTRAP_SERVER is ignored" in r.getMessage() for r in caplog.records)


def test_commands_read_variables_only_through_the_settings_models() -> None:
    """No `os.environ` / `os.getenv` read of a `DEXWATCH_*` variable in cli/: the settings
    models read them (topics and Kafka: `KafkaSettings`), so `known_environment_names` knows
    each."""
    cli = Path(__file__).resolve().parents[2] / "cli"
    reads = []
    for path in sorted(cli.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _reads_environment(node):
                names = [
                    part.value
                    for part in ast.walk(node)
                    if isinstance(part, ast.Constant) and isinstance(part.value, str)
                ]
                if any(name.startswith("DEXWATCH_") for name in names):
                    reads.append(f"cli/{path.name}:{getattr(node, 'lineno', 0)}")
    assert reads == []


def _reads_environment(node: ast.AST) -> bool:
    """`os.environ.get(...)`, `os.getenv(...)` or `os.environ[...]`."""
    if isinstance(node, ast.Call):
        return ast.unparse(node.func) in ("os.environ.get", "os.getenv")
    return isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ"
