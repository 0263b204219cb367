"""`KafkaSettings`: where Kafka is and what its topics are called, the part every command shares.

The worker's settings extend it; the CLI's commands, the console and the sinks read it for
their defaults. It composes the two models that say it once: `TopicNames` (`DEXWATCH_<NAME>_TOPIC`)
and `KafkaConnection` (`DEXWATCH_KAFKA__*`, for these bootstrap servers).
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from dexwatch.messaging.connection import KafkaConnection, connection_for
from dexwatch.messaging.topic_names import TopicNames

__all__ = ["DEFAULT_BOOTSTRAP_SERVERS", "KafkaSettings"]

DEFAULT_BOOTSTRAP_SERVERS: Final = "127.0.0.1:9092"


class KafkaSettings(BaseSettings):
    """Env: `DEXWATCH_BOOTSTRAP_SERVERS`, `DEXWATCH_<NAME>_TOPIC`, `DEXWATCH_KAFKA__*`."""

    model_config = SettingsConfigDict(env_prefix="DEXWATCH_", frozen=True, extra="ignore")

    bootstrap_servers: str = Field(default=DEFAULT_BOOTSTRAP_SERVERS, min_length=1)
    topics: TopicNames = Field(
        default_factory=TopicNames, description="Read from `DEXWATCH_<NAME>_TOPIC`."
    )

    @property
    def connection(self) -> KafkaConnection:
        """Security and credentials (`DEXWATCH_KAFKA__*`) for `bootstrap_servers`."""
        return connection_for(self.bootstrap_servers)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # `topics` reads its own variables (its default factory): a subclass with a nested
        # delimiter would otherwise take `DEXWATCH_TOPICS__CREATE` (the topic policy's) as a
        # field of it, and a partial `topics` from the environment would hide the others.
        return (
            init_settings,
            _Without("topics", env_settings),
            dotenv_settings,
            file_secret_settings,
        )


class _Without(PydanticBaseSettingsSource):
    """`source` less one field."""

    def __init__(self, field: str, source: PydanticBaseSettingsSource) -> None:
        super().__init__(source.settings_cls)
        self._field = field
        self._source = source

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: `__call__` asks `source`

    def __call__(self) -> dict[str, Any]:
        return {name: value for name, value in self._source().items() if name != self._field}
