"""The connector's settings: typed, frozen, from `DEXWATCH_THEGRAPH_*` or the command line.

The API key is a `SecretStr` (its `repr` and `str` print stars), read from
`DEXWATCH_THEGRAPH_API_KEY` or from a file (`api_key_file`), and only ever sent as a header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from dexwatch.connectors.thegraph.queries import SchemaVersion
from dexwatch.messaging.kafka_settings import KafkaSettings
from dexwatch.messaging.topic_names import TOPIC_PATTERN
from dexwatch.schemas.errors import ConfigError

__all__ = ["RetrySettings", "TheGraphSettings", "load_settings", "redact_endpoint"]

_LABEL_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"
_API_KEY = re.compile(r"[0-9a-fA-F]{32}")
# The gateway's key-in-path form: /api/<KEY>/subgraphs/id/<ID>.
_KEY_IN_PATH = re.compile(r"(/api/)[^/]+(/)")


def redact_endpoint(endpoint: str) -> str:
    """The endpoint with any key in its path starred out: safe to log."""
    return _KEY_IN_PATH.sub(r"\1***\2", endpoint)


class RetrySettings(BaseModel):
    """Exponential backoff with jitter for retryable failures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_delay_s: float = Field(default=1.0, gt=0, le=600)
    max_delay_s: float = Field(default=60.0, gt=0, le=3600)
    slow_base_delay_s: float = Field(
        default=30.0, gt=0, le=3600, description="For `subgraph not found`: it may be deploying."
    )
    retry_after_cap_s: float = Field(
        default=300.0, gt=0, le=3600, description="The longest Retry-After we honour."
    )
    max_attempts: int = Field(default=6, ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max_delay_s < self.base_delay_s:
            raise ValueError("max_delay_s must be at least base_delay_s")
        return self


class TheGraphSettings(BaseSettings):
    """Everything `dexwatch connect thegraph` needs."""

    model_config = SettingsConfigDict(
        env_prefix="DEXWATCH_THEGRAPH_", env_nested_delimiter="__", frozen=True, extra="forbid"
    )

    # Not in the repr: the gateway's URL may hold the key (`safe_endpoint` is shown instead).
    endpoint: str = Field(repr=False, description="The subgraph's GraphQL URL (http or https).")
    api_key: SecretStr | None = Field(default=None, description="Sent as `Authorization: Bearer`.")
    api_key_file: Path | None = Field(default=None, description="A file holding the API key.")
    schema_version: SchemaVersion = "v3"
    chain: str = Field(default="ethereum", pattern=_LABEL_PATTERN)
    dex: str = Field(default="uniswap-v3", pattern=_LABEL_PATTERN)
    pools: tuple[str, ...] = Field(default=(), max_length=1000)
    top_pools: int | None = Field(default=None, ge=1, le=1000)
    top_pools_refresh_s: float = Field(default=3600.0, gt=0)
    interval_s: float = Field(default=300.0, gt=0, description="Seconds between polls.")
    transactions: bool = Field(default=True, description="Also read swaps, mints and burns.")
    # Unset: `KafkaSettings`' (`DEXWATCH_BOOTSTRAP_SERVERS`, `DEXWATCH_<NAME>_TOPIC`), as the
    # worker's, so that the connector writes where the worker reads.
    bootstrap_servers: str = Field(
        default_factory=lambda: KafkaSettings().bootstrap_servers, min_length=1
    )
    metrics_topic: str = Field(
        default_factory=lambda: KafkaSettings().topics.metrics, pattern=TOPIC_PATTERN
    )
    transactions_topic: str = Field(
        default_factory=lambda: KafkaSettings().topics.dex_transactions, pattern=TOPIC_PATTERN
    )
    dead_letter_topic: str = Field(
        default_factory=lambda: KafkaSettings().topics.dead_letter, pattern=TOPIC_PATTERN
    )
    checkpoint_path: Path = Path(".dexwatch/thegraph-checkpoint.json")
    page_size: int = Field(default=1000, ge=1, le=1000, description="`first`, at most 1000.")
    # 14 days: what the shipped hourly dataset asks for (`backfill: 14d`, docs/priming.md).
    backfill_hours: int = Field(default=24 * 14, ge=0, le=24 * 90)
    transactions_backfill_s: int = Field(default=3600, ge=0, le=86400 * 7)
    max_window_s: int = Field(
        default=6 * 3600, ge=60, description="Most transaction time read in one poll."
    )
    queries_per_minute: int = Field(default=120, ge=1)
    queries_per_month: int = Field(default=100_000, ge=1, description="The free plan's size.")
    request_timeout_s: float = Field(default=30.0, gt=0, le=600)
    retry: RetrySettings = Field(default_factory=RetrySettings)

    @field_validator("endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected an http:// or https:// URL")
        return value

    @field_validator("pools")
    @classmethod
    def _pool_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        ids = tuple(dict.fromkeys(pool.strip().lower() for pool in value if pool.strip()))
        for pool in ids:
            if not re.fullmatch(r"0x[0-9a-f]{1,64}", pool):
                raise ValueError(f"expected pool addresses like 0x88e6..., got {pool[:70]!r}")
        return ids

    @model_validator(mode="before")
    @classmethod
    def _key_from_file(cls, data: Any) -> Any:
        """Read the key file before validation, so the key is checked like any other."""
        if not isinstance(data, dict) or data.get("api_key_file") is None:
            return data
        if data.get("api_key") is not None:
            raise ValueError("give the API key either directly or as a file, not both")
        path = Path(data["api_key_file"])
        try:
            key = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(
                f"cannot read api_key_file {path}: {error.__class__.__name__}"
            ) from None
        return data | {"api_key": key}

    @model_validator(mode="after")
    def _checked(self) -> Self:
        if bool(self.pools) == (self.top_pools is not None):
            raise ValueError("give either pools (a list of addresses) or top_pools (a count)")
        if self.api_key is not None and not _API_KEY.fullmatch(self.api_key.get_secret_value()):
            raise ValueError("the API key must be 32 hexadecimal characters (it is not shown)")
        return self

    @property
    def source(self) -> str:
        """What this connector reads, e.g. `thegraph:ethereum:uniswap-v3`: checkpoints and dead
        letters are tagged with it."""
        return f"thegraph:{self.chain}:{self.dex}"

    @property
    def safe_endpoint(self) -> str:
        return redact_endpoint(self.endpoint)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "endpoint", self.safe_endpoint
        yield from super().__repr_args__()


def load_settings(**values: Any) -> TheGraphSettings:
    """Settings from `values` over the environment, or a `ConfigError` naming each bad field.

    The message never repeats the values given: one of them may be the API key.
    """
    try:
        return TheGraphSettings(**values)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False, include_input=False):
            where = ".".join(str(part) for part in item["loc"]) or "settings"
            problems.append(f"{where}: {item['msg']}")
        raise ConfigError("; ".join(problems)) from None
