"""The detector settings of a file backtest's `--config`: a `detector:` file or the worker's
datasets YAML (`datasets: [...]`), whose dataset `--dataset NAME` picks.

From a datasets file the backtest takes the dataset's `series_settings`, its `detector:` block
with its `alert_threshold` applied, as the worker's series of that dataset run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dexwatch.detectors.backtest_config import load_detector_settings
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.datasets.loading import load_datasets

__all__ = ["file_backtest_settings"]


def file_backtest_settings(
    config: Path | None, dataset: str | None
) -> tuple[SeriesModelSettings, str | None]:
    """The settings and, for the summary, where they came from (None for the defaults)."""
    if config is None:
        if dataset is not None:
            raise ConfigError("--dataset picks a dataset of a --config datasets file: add one")
        return SeriesModelSettings(), None
    if not _holds_datasets(config):
        if dataset is not None:
            raise ConfigError(
                f"--dataset {dataset!r}: {config} is a `detector:` file, not a datasets file"
            )
        return load_detector_settings(config), f"{config} (detector)"
    datasets = {item.name: item for item in load_datasets(config)}
    names = ", ".join(datasets)
    if dataset is None:
        if len(datasets) > 1:
            raise ConfigError(
                f"{config} declares {len(datasets)} datasets: pick one with --dataset "
                f"(one of {names})"
            )
        [dataset] = datasets
    chosen = datasets.get(dataset)
    if chosen is None:
        raise ConfigError(f"{config} has no dataset {dataset!r}; its datasets: {names}")
    return chosen.series_settings, f"{config}, dataset {dataset!r}"


def _holds_datasets(config: Path) -> bool:
    """A list or a `datasets:` mapping; anything else (unreadable too) is left to the
    `detector:` reader, which says what is wrong with it."""
    try:
        document: Any = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(document, list) or (isinstance(document, dict) and "datasets" in document)
