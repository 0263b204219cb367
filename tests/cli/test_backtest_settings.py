"""`--config` for a file backtest: a `detector:` file or the worker's datasets YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.cli.backtest_settings import file_backtest_settings
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.schemas.errors import ConfigError

DATASET = """\
  - name: {name}
    source: {{topic: dexwatch.metrics}}
    dimensions: [pool]
    measures: [{{name: value, aggregation: sum}}]
    interval: 5m
    alert_threshold: 0.8
    detector: {{warmup: {warmup}}}
"""


def test_a_dataset_brings_its_detector_block_with_its_alert_threshold(tmp_path: Path) -> None:
    config = tmp_path / "datasets.yaml"
    config.write_text("datasets:\n" + DATASET.format(name="pools", warmup=77))
    settings, source = file_backtest_settings(config, None)
    assert (settings.warmup, settings.alert_threshold) == (77, 0.8)
    assert source == f"{config}, dataset 'pools'"
    config.write_text(DATASET.format(name="a", warmup=50) + DATASET.format(name="b", warmup=60))
    assert file_backtest_settings(config, "b")[0].warmup == 60
    with pytest.raises(ConfigError, match="pick one with --dataset"):
        file_backtest_settings(config, None)


def test_a_detector_file_and_no_file_still_work(tmp_path: Path) -> None:
    assert file_backtest_settings(None, None) == (SeriesModelSettings(), None)
    config = tmp_path / "detector.yaml"
    config.write_text("detector:\n  warmup: 90\n")
    settings, source = file_backtest_settings(config, None)
    assert settings.warmup == 90
    assert source == f"{config} (detector)"
    with pytest.raises(ConfigError, match="is a `detector:` file, not a datasets file"):
        file_backtest_settings(config, "pools")
    config.write_text("datasets:\n  - name: Bad Name\n")
    with pytest.raises(ConfigError, match=r"datasets\[0\]"):
        file_backtest_settings(config, None)
