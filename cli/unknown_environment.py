"""Report `DEXWATCH_*` environment variables that no setting reads (typos are otherwise silent).

The known names come from the settings models themselves (their prefix, fields and nested
fields), so a new field is known without a list to keep up to date.
"""

from __future__ import annotations

import difflib
import logging
import types
import typing
from collections.abc import Iterator, Mapping

from pydantic import BaseModel
from pydantic_settings import BaseSettings

from dexwatch.connectors.thegraph.settings import TheGraphSettings
from dexwatch.console.settings import ConsoleSettings
from dexwatch.deploy.local_kafka import LocalKafkaSettings
from dexwatch.messaging import KafkaConnection
from dexwatch.messaging.topic_creation import TopicPolicy
from dexwatch.messaging.topic_names import TopicNames
from dexwatch.sinks.slack.default_webhook import DefaultSlackWebhook
from dexwatch.streams.settings import WorkerSettings

__all__ = ["known_environment_names", "warn_unknown_environment"]

log = logging.getLogger(__name__)

PREFIX = "DEXWATCH_"
_SETTINGS: tuple[type[BaseSettings], ...] = (
    WorkerSettings,
    KafkaConnection,
    LocalKafkaSettings,
    TheGraphSettings,
    TopicPolicy,
    TopicNames,
    ConsoleSettings,
    DefaultSlackWebhook,
)
# Read outside a settings model: deploy/sinks.yaml's secret (by the name the file gives).
_OTHER_NAMES = frozenset({"DEXWATCH_WEBHOOK_SECRET_RISK"})
# Always replaced by the command's own DEXWATCH_BOOTSTRAP_SERVERS (or --bootstrap-servers).
_NOT_READ = frozenset({"DEXWATCH_KAFKA__BOOTSTRAP_SERVERS"})


def known_environment_names() -> frozenset[str]:
    """Every `DEXWATCH_*` name a setting reads, upper-case."""
    names = set(_OTHER_NAMES)
    for settings in _SETTINGS:
        prefix = str(settings.model_config.get("env_prefix") or "").upper()
        delimiter = settings.model_config.get("env_nested_delimiter")
        names.update(_field_names(settings, prefix, delimiter))
    return frozenset(names - _NOT_READ)


def warn_unknown_environment(environ: Mapping[str, str]) -> list[str]:
    """Log a WARNING per unknown `DEXWATCH_*` variable, with the closest known name; returns
    the unknown names."""
    known = known_environment_names()
    unknown = sorted(
        name for name in environ if name.upper().startswith(PREFIX) and name.upper() not in known
    )
    for name in unknown:
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else "no setting has a similar name"
        log.warning("unknown environment variable %s is ignored (%s)", name, hint)
    return unknown


def _field_names(model: type[BaseModel], prefix: str, delimiter: str | None) -> Iterator[str]:
    for name, field in model.model_fields.items():
        if any(issubclass(nested, BaseSettings) for nested in _models(field.annotation)):
            continue  # read from its own variables (`topics`: `TopicNames`, listed above)
        alias = field.validation_alias
        full = alias.upper() if isinstance(alias, str) else prefix + name.upper()
        yield full
        if delimiter:
            for nested in _models(field.annotation):
                yield from _field_names(nested, full + delimiter, delimiter)


def _models(annotation: object) -> Iterator[type[BaseModel]]:
    """The pydantic models in an annotation (`Model`, `Model | None`, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    elif typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _models(argument)
