"""A dataset's `backfill` and `alert_after`: durations, defaults, errors, and the hash."""

from __future__ import annotations

from pathlib import Path

from dexwatch.streams.datasets import DatasetConfig, config_hash
from tests.streams.datasets.test_config import base, failure


def test_backfill_defaults_to_the_detectors_warmup_in_intervals() -> None:
    dataset = DatasetConfig.model_validate(base(detector={"warmup": 168}))
    assert dataset.backfill is None
    assert dataset.backfill_seconds == 168 * 3600
    assert dataset.alert_after_seconds is None


def test_durations_are_normalised() -> None:
    dataset = DatasetConfig.model_validate(base(backfill="336h", alert_after="360m"))
    assert (dataset.backfill, dataset.alert_after) == ("14d", "6h")
    assert (dataset.backfill_seconds, dataset.alert_after_seconds) == (14 * 86400, 6 * 3600)


def test_an_unintervalled_dataset_has_no_default_backfill() -> None:
    dataset = DatasetConfig.model_validate(base(interval="none", measures="*"))
    assert dataset.backfill_seconds is None


def test_a_bad_duration_names_its_field(tmp_path: Path) -> None:
    message = failure(tmp_path, base(alert_after="six hours"))
    assert "alert_after" in message
    assert "'six hours' is not a duration" in message
    assert "backfill" in failure(tmp_path, base(backfill="4000d"))


def test_history_settings_leave_the_config_hash_alone() -> None:
    plain = DatasetConfig.model_validate(base())
    primed = DatasetConfig.model_validate(base(backfill="14d", alert_after="6h"))
    assert config_hash(plain) == config_hash(primed)
