"""`TopicNames`: every topic dexwatch names, with its default, once.

Each name is read from its own environment variable, `DEXWATCH_<NAME>_TOPIC` (the names users
already set, e.g. `DEXWATCH_METRICS_TOPIC`), so that the worker, the sinks, the connectors, the
console and the CLI agree on a topic without repeating it. Nothing else in the code spells a
topic name (`tests/messaging/test_topic_names.py` checks it). Topics derived from the worker's
app id (changelogs, faust's leader topic, incident inputs) are named where they are made.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import ConfigError

__all__ = ["DEFAULT_TOPICS", "TOPIC_PATTERN", "TopicNames", "topic_env_name", "topic_names"]

TOPIC_PATTERN: Final = r"^[A-Za-z0-9._\-]{1,249}$"


def topic_env_name(name: str) -> str:
    """The environment variable of the topic field `name`: `DEXWATCH_<NAME>_TOPIC`."""
    return f"DEXWATCH_{name.upper()}_TOPIC"


def _topic(default: str, name: str, description: str) -> str:
    # The variable is the field's alias: pydantic-settings reads an aliased field by its alias
    # alone, and `populate_by_name` still lets code pass `metrics=...`.
    found: str = Field(
        default=default,
        pattern=TOPIC_PATTERN,
        validation_alias=topic_env_name(name),
        description=description,
    )
    return found


class TopicNames(BaseSettings):
    """Every topic dexwatch reads or writes. Env: `DEXWATCH_<FIELD>_TOPIC`."""

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", populate_by_name=True, case_sensitive=False
    )

    metrics: str = _topic("dexwatch.metrics", "metrics", "Metric events: the worker's input.")
    anomalies: str = _topic("dexwatch.anomalies", "anomalies", "Anomaly events.")
    dead_letter: str = _topic(
        "dexwatch.dead-letter", "dead_letter", "Records the worker or a connector refused."
    )
    model_actions: str = _topic(
        "dexwatch.model-actions", "model_actions", "Drift decisions: retrain, roll back, alert."
    )
    alerts: str = _topic("dexwatch.alerts", "alerts", "Incident versions.")
    feedback: str = _topic("dexwatch.feedback", "feedback", "Verdicts on incidents.")
    scores: str = _topic(
        "dexwatch.scores",
        "scores",
        "A record per scored interval of datasets with `publish_scores`.",
    )
    incident_controls: str = _topic(
        "dexwatch.incident-controls",
        "incident_controls",
        "Acknowledgements and snoozes (compacted; the console writes, sinks read).",
    )
    sink_dead_letter: str = _topic(
        "dexwatch.sink-dead-letter",
        "sink_dead_letter",
        "Incident versions a sink gave up delivering.",
    )
    dex_transactions: str = _topic(
        "dexwatch.dex-transactions",
        "dex_transactions",
        "Swaps, mints and burns from `dexwatch connect thegraph`.",
    )


# The documented defaults, whatever the environment says (a YAML file's defaults, help texts).
DEFAULT_TOPICS: Final = TopicNames.model_construct()


def topic_names(**overrides: Any) -> TopicNames:
    """The environment's topic names under `overrides`; a bad one raises `ConfigError` naming
    its variable."""
    try:
        return TopicNames(**overrides)
    except ValidationError as error:
        raise ConfigError(f"topic names ({describe_validation_error(error)})") from None
