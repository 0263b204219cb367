"""The sinks' configuration: typed, frozen, from a YAML file (see deploy/sinks.yaml).

Secrets (a Slack webhook URL, a webhook signing secret) are never written in the file: each is
named by an environment variable (`webhook_url_env`, `secret_env`) or a file (`webhook_url_file`,
`secret_file`), read at start-up into a `SecretStr` (its repr and str print stars), and never
logged. A bad file fails at start-up naming the field, never repeating a value.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dexwatch.messaging.kafka_settings import DEFAULT_BOOTSTRAP_SERVERS
from dexwatch.messaging.topic_names import DEFAULT_TOPICS, TOPIC_PATTERN
from dexwatch.schemas.errors import ConfigError
from dexwatch.schemas.secret_file import read_secret_file
from dexwatch.sinks.delivery_policy import DeliveryPolicy
from dexwatch.sinks.incident_filter import IncidentFilter

__all__ = [
    "SinkConfig",
    "SinksConfig",
    "SlackSinkConfig",
    "WebhookSinkConfig",
    "load_sinks_config",
]

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
FROM_FILE = "from_file"  # validation context: the values come from a config file


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL (the value is not shown)")
    return value


def _secret_from_source(data: Any, info: ValidationInfo, field: str) -> Any:
    """Fill `field` from `<field>_env` or `<field>_file`; refuse it written in a config file."""
    if not isinstance(data, dict):
        return data
    source = field
    env, file = data.get(f"{source}_env"), data.get(f"{source}_file")
    given = [
        name for name, value in ((field, data.get(field)), ("env", env), ("file", file)) if value
    ]
    if len(given) > 1:
        raise ValueError(f"give one of {source}_env or {source}_file")
    if data.get(field) is not None:
        if info.context and info.context.get(FROM_FILE):
            raise ValueError(
                f"{field} must not be written in the config file: name an environment variable "
                f"({source}_env) or a file ({source}_file) that holds it"
            )
        return data
    if env:
        value = os.environ.get(str(env), "").strip()
        if not value:
            raise ValueError(f"{source}_env: the environment variable {env} is not set or empty")
    elif file:
        value = read_secret_file(str(file), f"{source}_file")
    else:
        raise ValueError(f"give {source}_env (an environment variable) or {source}_file")
    return data | {field: value}


class _SinkConfigBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME_PATTERN, description="Metric label, group and ledger name.")
    filter: IncidentFilter = Field(default_factory=IncidentFilter)
    delivery: DeliveryPolicy | None = Field(
        default=None, description="This sink's own retry policy (default: the top-level one)."
    )
    _secret_field: ClassVar[str]  # read from `<it>_env` or `<it>_file`

    @model_validator(mode="before")
    @classmethod
    def _read_secret(cls, data: Any, info: ValidationInfo) -> Any:
        return _secret_from_source(data, info, cls._secret_field)


class SlackSinkConfig(_SinkConfigBase):
    """A Slack incoming webhook."""

    _secret_field: ClassVar[str] = "webhook_url"
    kind: Literal["slack"] = "slack"
    webhook_url: SecretStr
    webhook_url_env: str | None = None
    webhook_url_file: Path | None = None
    max_contributors: int = Field(default=5, ge=1, le=20)

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: SecretStr) -> SecretStr:
        _http_url(value.get_secret_value())
        return value


class WebhookSinkConfig(_SinkConfigBase):
    """An HTTP endpoint that takes signed incident events."""

    _secret_field: ClassVar[str] = "secret"
    kind: Literal["webhook"] = "webhook"
    url: str = Field(description="Where to POST (http or https).")
    secret: SecretStr = Field(description="The HMAC-SHA256 signing secret shared with it.")
    secret_env: str | None = None
    secret_file: Path | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("the secret must be at least 16 characters (it is not shown)")
        return value


SinkConfig = SlackSinkConfig | WebhookSinkConfig


class SinksConfig(BaseModel):
    """Everything `dexwatch sink` needs: Kafka, where to keep state, and the sinks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Defaults: `TopicNames`' (`dexwatch sink` puts the environment's under the file's).
    bootstrap_servers: str = Field(default=DEFAULT_BOOTSTRAP_SERVERS, min_length=1)
    alerts_topic: str = Field(default=DEFAULT_TOPICS.alerts, pattern=TOPIC_PATTERN)
    dead_letter_topic: str = Field(default=DEFAULT_TOPICS.sink_dead_letter, pattern=TOPIC_PATTERN)
    incident_controls_topic: str = Field(
        default=DEFAULT_TOPICS.incident_controls,
        pattern=TOPIC_PATTERN,
        description="Snoozes set in the console: a snoozed incident's versions wait.",
    )
    topic_partitions: int = Field(
        default=8, ge=1, le=1024, description="For the topics a sink creates when missing."
    )
    group_prefix: str = Field(default="dexwatch-sink-", pattern=r"^[A-Za-z0-9._\-]{0,100}$")
    start_from: Literal["earliest", "latest"] = Field(
        default="earliest",
        description="Where a sink's group starts the first time: `earliest` loses nothing "
        "already on the topic; `latest` skips what came before it first ran.",
    )
    data_dir: Path = Field(default=Path(".dexwatch/sinks"), description="Ledgers live here.")
    metrics_bind: str = "127.0.0.1"
    metrics_port: int = Field(default=6067, ge=0, le=65535, description="0: not served.")
    session_timeout_s: float = Field(default=10.0, ge=6.0, le=300.0)
    delivery: DeliveryPolicy = Field(default_factory=DeliveryPolicy)
    slack: tuple[SlackSinkConfig, ...] = ()
    webhooks: tuple[WebhookSinkConfig, ...] = ()

    @model_validator(mode="after")
    def _sinks_named_once(self) -> Self:
        names = [sink.name for sink in self.sinks]
        if not names:
            raise ValueError("configure at least one sink under `slack` or `webhooks`")
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"sink names must be unique; used more than once: {twice}")
        return self

    @property
    def sinks(self) -> tuple[SinkConfig, ...]:
        return (*self.slack, *self.webhooks)

    def group_id(self, sink: SinkConfig) -> str:
        return f"{self.group_prefix}{sink.name}"

    def policy(self, sink: SinkConfig) -> DeliveryPolicy:
        return sink.delivery if sink.delivery is not None else self.delivery

    def ledger_path(self, sink: SinkConfig) -> Path:
        return self.data_dir / f"{sink.name}.ledger"

    def only(self, names: Iterable[str]) -> SinksConfig:
        """The same configuration with only the named sinks."""
        wanted = set(names)
        unknown = wanted - {sink.name for sink in self.sinks}
        if unknown:
            raise ConfigError(
                f"--only: no sink named {', '.join(sorted(unknown))}; configured: "
                f"{', '.join(sink.name for sink in self.sinks)}"
            )
        return self.model_copy(
            update={
                "slack": tuple(s for s in self.slack if s.name in wanted),
                "webhooks": tuple(s for s in self.webhooks if s.name in wanted),
            }
        )


def load_sinks_config(
    path: Path | None,
    *,
    overrides: dict[str, Any] | None = None,
    defaults: dict[str, Any] | None = None,
) -> SinksConfig:
    """`defaults` under the file's values under `overrides` (the command line); a bad value
    raises `ConfigError` naming the file and the field, never showing the value."""
    document: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read {path}: {error}") from error
        except yaml.YAMLError as error:
            raise ConfigError(f"{path} is not valid YAML: {error}") from error
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(
                f"{path}: expected a mapping of settings, got a {type(loaded).__name__}"
            )
        document = loaded or {}
    values = {k: v for k, v in (defaults or {}).items() if v is not None} | document
    values |= {k: v for k, v in (overrides or {}).items() if v is not None}
    try:
        return SinksConfig.model_validate(values, context={FROM_FILE: path is not None})
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or 'settings'}: {item['msg']}"
            for item in error.errors(include_url=False, include_input=False)
        ]
        where = f"{path}: " if path is not None else ""
        raise ConfigError(f"{where}{'; '.join(problems)}") from None
