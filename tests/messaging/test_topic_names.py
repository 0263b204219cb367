"""`TopicNames`: one name per topic, read from `DEXWATCH_<NAME>_TOPIC`, spelt nowhere else."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from dexwatch.messaging.kafka_settings import KafkaSettings
from dexwatch.messaging.topic_names import DEFAULT_TOPICS, TopicNames, topic_names
from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.settings import WorkerSettings

REPO = Path(__file__).resolve().parents[2]
_PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
_FOLDERS = [*sorted(set(_PYPROJECT["tool"]["setuptools"]["package-dir"].values())), "bench"]
_THE_MODEL = REPO / "messaging" / "topic_names.py"
# The variables users and deploy files set today: they must keep working.
_VARIABLES_IN_USE = {
    "metrics": "DEXWATCH_METRICS_TOPIC",
    "anomalies": "DEXWATCH_ANOMALIES_TOPIC",
    "dead_letter": "DEXWATCH_DEAD_LETTER_TOPIC",
    "model_actions": "DEXWATCH_MODEL_ACTIONS_TOPIC",
    "alerts": "DEXWATCH_ALERTS_TOPIC",
    "feedback": "DEXWATCH_FEEDBACK_TOPIC",
    "scores": "DEXWATCH_SCORES_TOPIC",
    "incident_controls": "DEXWATCH_INCIDENT_CONTROLS_TOPIC",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for field in TopicNames.model_fields.values():
        monkeypatch.delenv(str(field.validation_alias), raising=False)
    monkeypatch.delenv("DEXWATCH_BOOTSTRAP_SERVERS", raising=False)


def test_no_source_file_spells_a_default_topic_name() -> None:
    defaults = set(DEFAULT_TOPICS.model_dump().values())
    spelt = []
    for folder in _FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            if path == _THE_MODEL:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value in defaults:
                    spelt.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}")
    assert len(defaults) == len(TopicNames.model_fields), "each topic has its own default"
    assert spelt == [], "name topics through TopicNames (messaging/topic_names.py)"


def test_each_topic_is_read_from_the_variable_users_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, variable in _VARIABLES_IN_USE.items():
        monkeypatch.setenv(variable, f"mine.{name}")
    names = topic_names()
    for name in _VARIABLES_IN_USE:
        assert getattr(names, name) == f"mine.{name}"
    assert names.sink_dead_letter == DEFAULT_TOPICS.sink_dead_letter


def test_every_topic_has_a_variable_of_its_own_name() -> None:
    for name, field in TopicNames.model_fields.items():
        assert field.validation_alias == f"DEXWATCH_{name.upper()}_TOPIC"


def test_the_defaults_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXWATCH_ALERTS_TOPIC", "mine.alerts")
    assert topic_names().alerts == "mine.alerts"
    assert DEFAULT_TOPICS.alerts != "mine.alerts"
    assert topic_names(alerts="given").alerts == "given"  # code passes field names


def test_a_bad_name_fails_naming_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXWATCH_SCORES_TOPIC", "two words")
    with pytest.raises(ConfigError, match="DEXWATCH_SCORES_TOPIC: String should match"):
        topic_names()


def test_the_worker_reads_them_beside_the_topic_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    # `DEXWATCH_TOPICS__*` is the topic policy's: the worker's nested settings must not take
    # it for a partial `topics` (which would hide the names' own variables).
    monkeypatch.setenv("DEXWATCH_TOPICS__CREATE", "false")
    monkeypatch.setenv("DEXWATCH_METRICS_TOPIC", "mine.metrics")
    monkeypatch.setenv("DEXWATCH_BOOTSTRAP_SERVERS", "kafka-0:9092")
    settings = WorkerSettings()
    assert settings.topics.metrics == "mine.metrics"
    assert settings.bootstrap_servers == "kafka-0:9092"
    assert settings.dataset_configs()[0].source.topic == "mine.metrics"
    assert KafkaSettings().topics == settings.topics


def test_the_readme_lists_every_topic_with_its_default_and_variable() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = {
        cells[1].strip(" `"): cells[2].strip(" `")
        for line in readme.splitlines()
        if line.startswith("| `dexwatch.") and (cells := line.split("|"))
    }
    assert rows == {
        str(field.default): str(field.validation_alias)
        for field in TopicNames.model_fields.values()
    }
