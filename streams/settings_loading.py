"""Load pydantic settings, turning validation errors into a `ConfigError` that names each field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource

from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import ConfigError

__all__ = ["environment_values", "load_settings"]

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(cls: type[SettingsT], **overrides: Any) -> SettingsT:
    """`cls(**overrides)` with the environment underneath; bad values fail naming the field."""
    try:
        return cls(**overrides)
    except ValidationError as error:
        prefix = str(cls.model_config.get("env_prefix", ""))
        raise ConfigError(
            f"invalid {cls.__name__} ({describe_validation_error(error)}); "
            f"fields can be set as environment variables {prefix}<FIELD>"
        ) from error


def environment_values(cls: type[BaseSettings]) -> dict[str, Any]:
    """What the environment sets for `cls`' fields, by field name and not validated, read by
    the model's own source: which settings a user gave, for a command's checks and defaults."""
    return EnvSettingsSource(cls)()
