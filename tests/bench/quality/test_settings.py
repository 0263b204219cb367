"""`--set name=value`: YAML values over the defaults, validated before any row is read."""

from __future__ import annotations

import pytest

from bench.quality.settings import describe_settings, detector_settings, parse_override
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.schemas.errors import ConfigError


def test_values_are_read_as_yaml() -> None:
    assert parse_override("alert_threshold=0.6") == ("alert_threshold", 0.6)
    assert parse_override(" warmup = 12") == ("warmup", 12)
    assert parse_override("transform=none") == ("transform", "none")


@pytest.mark.parametrize("text", ["alert_threshold", "=0.6", "x=[1"])
def test_a_malformed_override_fails(text: str) -> None:
    with pytest.raises(ConfigError, match="--set"):
        parse_override(text)


def test_overrides_apply_over_the_defaults() -> None:
    settings = detector_settings(None, ["alert_threshold=0.75"])
    assert settings.alert_threshold == 0.75
    assert detector_settings(None, []) == SeriesModelSettings()


def test_an_unknown_setting_fails() -> None:
    with pytest.raises(ConfigError):
        detector_settings(None, ["no_such_setting=1"])


def test_the_report_names_the_settings() -> None:
    assert describe_settings(None, []) == "defaults"
    assert describe_settings(None, ["a=1"]) == "defaults, --set a=1"
