"""A dataset's YAML file for backtests: its `detector:` mapping holds `SeriesModelSettings`.

    detector:
      tail_quantile: 0.995
      window_size: 200

Checked at start: an unknown section, an unknown field or a bad value fails with a
`ConfigError` naming it, before any row is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import ConfigError

__all__ = ["KNOWN_SECTIONS", "load_detector_settings", "settings_with"]

KNOWN_SECTIONS = frozenset({"detector"})


def load_detector_settings(path: Path) -> SeriesModelSettings:
    """The `SeriesModelSettings` of `path`'s `detector:` mapping (defaults for what it omits)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from error
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a `detector:` section")
    unknown = sorted(str(key) for key in data if key not in KNOWN_SECTIONS)
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {unknown}; known: {sorted(KNOWN_SECTIONS)}")
    detector = data.get("detector") or {}
    if not isinstance(detector, dict):
        raise ConfigError(f"{path}: `detector:` must be a mapping of setting: value")
    try:
        return SeriesModelSettings.model_validate(detector)
    except ValidationError as error:
        raise ConfigError(
            f"{path}: invalid detector settings ({describe_validation_error(error)})"
        ) from error


def settings_with(base: SeriesModelSettings, **changes: Any) -> SeriesModelSettings:
    """`base` with `changes`, validated as a whole (`model_copy` would skip validation)."""
    try:
        return SeriesModelSettings.model_validate({**base.model_dump(), **changes})
    except ValidationError as error:
        raise ConfigError(
            f"invalid detector settings ({describe_validation_error(error)})"
        ) from error
