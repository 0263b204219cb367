"""Detectors by name, as a user writes them in config."""

from __future__ import annotations

import pytest

from dexwatch.detectors.base import DetectorBase
from dexwatch.detectors.iqr_rule import IqrRule
from dexwatch.detectors.registry import DETECTORS, build_detector, detector_entry
from dexwatch.schemas.errors import ConfigError


def test_every_entry_builds_from_its_example() -> None:
    for name, entry in DETECTORS.items():
        assert entry.name == name
        assert isinstance(entry.build(), DetectorBase)


def test_build_by_name_with_class_defaults() -> None:
    rule = build_detector("iqr", feature="tvl", k=3.0)
    assert isinstance(rule, IqrRule)
    assert (rule.feature, rule.k, rule.window) == ("tvl", 3.0, 100)


def test_unknown_names_and_bad_arguments_are_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"unknown detector 'iqr_rule'.*iqr, page_hinkley"):
        detector_entry("iqr_rule")
    with pytest.raises(ConfigError, match=r"'threshold'.*needs a lower bound"):
        build_detector("threshold", feature="tvl")
    with pytest.raises(ConfigError, match=r"'iqr'.*unexpected keyword"):
        build_detector("iqr", feature="tvl", span=3)
