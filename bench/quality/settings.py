"""The one parameter set of a run: defaults or `--config dataset.yaml`, then `--set name=value`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from dexwatch.detectors.backtest_config import load_detector_settings, settings_with
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.schemas.errors import ConfigError

__all__ = ["describe_settings", "detector_settings", "parse_override"]


def parse_override(text: str) -> tuple[str, object]:
    """`name=value` with the value read as YAML: `0.6` a float, `true` a bool, `none` a string."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f"--set {text!r}: expected name=value")
    try:
        parsed: object = yaml.safe_load(value)
    except yaml.YAMLError as error:
        raise ConfigError(f"--set {text!r}: the value is not valid YAML: {error}") from error
    return name.strip(), parsed


def detector_settings(config: Path | None, overrides: Sequence[str]) -> SeriesModelSettings:
    """Validated as a whole, so a misspelt name or a bad value fails before any row is read."""
    base = load_detector_settings(config) if config is not None else SeriesModelSettings()
    changes = dict(parse_override(text) for text in overrides)
    return settings_with(base, **changes) if changes else base


def describe_settings(config: Path | None, overrides: Sequence[str]) -> str:
    """`defaults`, or the config file, then each `--set`: what a report's reader must know."""
    parts = ["defaults" if config is None else str(config)]
    parts += [f"--set {text}" for text in overrides]
    return ", ".join(parts)
