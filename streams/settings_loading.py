"""Load pydantic settings, turning validation errors into a `ConfigError` that names each field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import ConfigError

__all__ = ["load_settings"]

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
