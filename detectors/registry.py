"""Every detector by the name a user writes in config, with example constructor arguments.

The contract battery (`tests/detectors/test_detector_contract.py`) runs over this map, so a
detector registered here is a detector checked there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from dexwatch.detectors.adwin_drift import AdwinDriftDetector
from dexwatch.detectors.base import DetectorBase
from dexwatch.detectors.half_space_trees import HalfSpaceTreesDetector
from dexwatch.detectors.iqr_rule import IqrRule
from dexwatch.detectors.page_hinkley_drift import PageHinkleyDriftDetector
from dexwatch.detectors.persistence_rule import PersistenceRule
from dexwatch.detectors.quantile_band_rule import QuantileBandRule
from dexwatch.detectors.series_model import SeriesModel
from dexwatch.detectors.series_settings import SeriesModelSettings
from dexwatch.detectors.threshold_rule import ThresholdRule
from dexwatch.schemas.errors import ConfigError

__all__ = [
    "DETECTORS",
    "MEASURE_RULES",
    "SERIES_DETECTORS",
    "DetectorEntry",
    "build_detector",
    "detector_entry",
]


@dataclass(frozen=True, slots=True)
class DetectorEntry:
    """A detector class and an example of its arguments (for tests, docs and config)."""

    name: str
    detector: type[DetectorBase]
    example: Mapping[str, Any]
    summary: str

    def build(self, **arguments: Any) -> DetectorBase:
        """The detector with the example arguments, overridden by `arguments`."""
        return self.detector(**{**self.example, **arguments})


def _entries(*entries: DetectorEntry) -> Mapping[str, DetectorEntry]:
    return MappingProxyType({entry.name: entry for entry in entries})


# The examples are sized for a measure of roughly unit spread; Page-Hinkley's `delta` and
# `threshold` are in the measure's units, so scale them with it.
DETECTORS: Mapping[str, DetectorEntry] = _entries(
    DetectorEntry(
        "series_model",
        SeriesModel,
        {"settings": SeriesModelSettings(warmup=300)},
        "the default: every measure's level, change, smoothed level and time-of-day and "
        "time-of-week values, each against its own record",
    ),
    DetectorEntry(
        "half_space_trees",
        HalfSpaceTreesDetector,
        {"n_trees": 10, "height": 8, "window_size": 100, "warmup": 100, "seed": 42},
        "isolation of unusual points among all of a series' measures",
    ),
    DetectorEntry(
        "adwin",
        AdwinDriftDetector,
        {"feature": "value", "delta": 0.002, "clock": 32},
        "drift: the recent mean of a measure differs from its older mean",
    ),
    DetectorEntry(
        "page_hinkley",
        PageHinkleyDriftDetector,
        {"feature": "value", "delta": 0.5, "threshold": 25.0, "alpha": 1.0, "mode": "both"},
        "drift: a sustained rise or fall of a measure against its running mean",
    ),
    DetectorEntry(
        "iqr",
        IqrRule,
        {"feature": "value", "window": 100, "k": 1.5},
        "a value outside Tukey's fences of the recent values",
    ),
    DetectorEntry(
        "quantile_band",
        QuantileBandRule,
        {"feature": "value", "window": 200, "q_low": 0.01, "q_high": 0.99},
        "a value outside a band of quantiles of the recent values",
    ),
    DetectorEntry(
        "persistence",
        PersistenceRule,
        {"feature": "value", "stuck_points": 10, "tolerance": 0.0, "window": 50, "k": 4.0},
        "a value stuck for too long, or jumped away from the recent level",
    ),
    DetectorEntry(
        "threshold",
        ThresholdRule,
        {"feature": "value", "lower": -3.0, "upper": 3.0},
        "a value beyond a hard lower or upper bound",
    ),
)


# What a dataset may name beside its model (`docs/datasets.md`): rules judge one measure (their
# `feature` is the measure), series detectors all of a series' measures together.
MEASURE_RULES: tuple[str, ...] = ("iqr", "persistence", "quantile_band", "threshold")
SERIES_DETECTORS: tuple[str, ...] = ("half_space_trees",)


def detector_entry(name: str) -> DetectorEntry:
    """The entry named `name`, or a `ConfigError` listing the names there are."""
    try:
        return DETECTORS[name]
    except KeyError:
        known = ", ".join(sorted(DETECTORS))
        raise ConfigError(f"unknown detector {name!r}; known detectors: {known}") from None


def build_detector(name: str, **arguments: Any) -> DetectorBase:
    """The detector named `name`, built from `arguments` alone (no example values).

    Wrong arguments raise `ConfigError` naming the detector.
    """
    entry = detector_entry(name)
    try:
        return entry.detector(**arguments)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"detector {name!r}: {error}") from error
