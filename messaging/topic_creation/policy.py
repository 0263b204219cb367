"""`TopicPolicy`: whether dexwatch creates its topics, and with how many replicas.

Read from `DEXWATCH_TOPICS__*` by every command that creates topics (worker, sinks, run,
console), as the connection settings are: one policy per process, no argument to thread.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dexwatch.schemas.errors import ConfigError

__all__ = ["TopicPolicy", "topic_policy_from_environment"]


class TopicPolicy(BaseSettings):
    """Topic creation. Env: `DEXWATCH_TOPICS__<FIELD>` (docs/kafka-connection.md)."""

    model_config = SettingsConfigDict(env_prefix="DEXWATCH_TOPICS__", frozen=True, extra="forbid")

    create: bool = Field(
        default=True,
        description="False: create nothing (a managed cluster whose service account may not); "
        "a command then fails at start naming every topic it needs that is missing.",
    )
    replication_factor: int | None = Field(
        default=None,
        ge=1,
        le=32,
        description="Replicas of each created topic; default: the cluster's broker count, "
        "at most 3.",
    )
    min_insync_replicas: int | None = Field(
        default=None,
        ge=1,
        le=32,
        description="`min.insync.replicas` of each created topic; default: replication factor "
        "- 1, at most 2 and at least 1.",
    )

    @model_validator(mode="after")
    def _insync_within_replicas(self) -> Self:
        rf, insync = self.replication_factor, self.min_insync_replicas
        if rf is not None and insync is not None and insync > rf:
            raise ValueError(
                f"min_insync_replicas {insync} is more than replication_factor {rf}: "
                "no write could ever succeed"
            )
        return self


def topic_policy_from_environment() -> TopicPolicy:
    """The environment's policy; a bad value raises `ConfigError` naming the variable."""
    try:
        return TopicPolicy()
    except ValidationError as error:
        problems = [
            f"DEXWATCH_TOPICS__{'__'.join(str(part) for part in item['loc']).upper()}: "
            f"{item['msg'].removeprefix('Value error, ')}"
            if item["loc"]
            else item["msg"].removeprefix("Value error, ")
            for item in error.errors(include_url=False)
        ]
        raise ConfigError(f"topic settings: {'; '.join(problems)}") from None
