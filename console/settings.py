"""The console's settings: typed, frozen, from `DEXWATCH_CONSOLE__*` environment variables.

Topic names are not here: the console reads the worker's `TopicNames`
(`DEXWATCH_ANOMALIES_TOPIC`, ...; `messaging/topic_names.py`), so both always agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dexwatch.schemas.errors import ConfigError
from dexwatch.schemas.secret_file import read_secret_file

__all__ = ["ConsoleSettings", "load_console_settings"]

_PREFIX = "DEXWATCH_CONSOLE__"


class ConsoleSettings(BaseSettings):
    """Everything `dexwatch console` needs but Kafka (`DEXWATCH_BOOTSTRAP_SERVERS`,
    `DEXWATCH_KAFKA__*`) and the topic names."""

    model_config = SettingsConfigDict(
        env_prefix=_PREFIX,
        env_nested_delimiter="__",
        frozen=True,
        extra="ignore",
        hide_input_in_errors=True,  # a token is an input: errors never repeat one
    )

    name: str = Field(
        default="console",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$",
        description="Its consumer group is `dexwatch-console-<name>`: give each console its own.",
    )
    bind: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=6068, ge=0, le=65535, description="0: any free port.")
    store_path: Path = Field(default=Path(".dexwatch/console/console.sqlite3"))
    retention_days: float = Field(default=30.0, gt=0.0, le=3650.0)
    retention_days_by_dataset: dict[str, float] = Field(
        default_factory=dict, description='Per dataset, e.g. {"pools": 90} (JSON).'
    )
    token: SecretStr | None = Field(
        default=None, description="Bearer token of every route but /healthz and /metrics."
    )
    token_file: Path | None = None
    write_token: SecretStr | None = Field(
        default=None,
        description="Bearer token of the routes that change something (feedback, acknowledge, "
        "snooze, backtests); unset: the console takes no writes.",
    )
    write_token_file: Path | None = None
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="How people reach this console (behind a proxy): shown in the OpenAPI "
        "document's `servers`.",
    )
    max_backtest_jobs: int = Field(default=2, ge=1, le=32, description="Run at once; more wait.")
    backtest_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024, le=2**31)
    prune_interval_s: float = Field(default=600.0, ge=1.0, le=86_400.0)

    @field_validator("token", "write_token", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _tokens(self) -> Self:
        token = _secret(self.token, self.token_file, "token_file")
        write = _secret(self.write_token, self.write_token_file, "write_token_file")
        if token is None:
            raise ValueError(
                f"token: set {_PREFIX}TOKEN or {_PREFIX}TOKEN_FILE (the bearer token readers "
                "give; every route but /healthz and /metrics needs it)"
            )
        if write is not None and write.get_secret_value() == token.get_secret_value():
            raise ValueError("write_token: must differ from token (it grants more)")
        object.__setattr__(self, "token", token)
        object.__setattr__(self, "write_token", write)
        return self


def _secret(value: SecretStr | None, file: Path | None, setting: str) -> SecretStr | None:
    if value is not None:
        return value
    if file is None:
        return None
    return SecretStr(read_secret_file(file, f"{_PREFIX}{setting.upper()}"))


def load_console_settings(**overrides: Any) -> ConsoleSettings:
    """The settings from the environment under `overrides`; a bad one raises `ConfigError`
    naming each field, never repeating a value (tokens are values)."""
    try:
        return ConsoleSettings(**overrides)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or 'settings'}: {item['msg']}"
            for item in error.errors(include_url=False, include_input=False)
        ]
        raise ConfigError(
            f"invalid console settings ({'; '.join(problems)}); set them as environment "
            f"variables {_PREFIX}<FIELD>"
        ) from None
