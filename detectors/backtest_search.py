"""The small settings grid `dexwatch backtest --search` tries (at most 12 combinations).

The fields are picked at run time from those `SeriesModelSettings` has, so the grid follows the
model as it changes. Which fields are worth varying depends on the metric:

- NAB judges the *scores* at its own optimised threshold, so the grid varies what shapes the
  score (the trees' window and depth, the calibration window). Alert-only settings such as
  `tail_quantile` would change nothing there.
- F1 judges the *alerts*, so the grid varies the alert rule (`tail_quantile`, `min_deviation`).

Values are placed around the current setting (halved, doubled, ...); a combination the settings
reject (e.g. a window larger than the warm-up) is left out and reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from dexwatch.detectors.backtest_config import settings_with
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.schemas.errors import ConfigError

__all__ = ["MAX_COMBINATIONS", "GridPoint", "SearchMetric", "search_grid"]

SearchMetric = Literal["nab", "f1"]

MAX_COMBINATIONS = 12

_Values = Callable[[Any], list[Any]]


def _scaled(*factors: float) -> _Values:
    def values(current: Any) -> list[Any]:
        kind = type(current)
        return [
            kind(round(current * factor)) if kind is int else current * factor for factor in factors
        ]

    return values


def _tail_shares(*factors: float) -> _Values:
    # A quantile q is moved by scaling its tail 1 - q: 0.99 -> 0.98, 0.99, 0.995.
    def values(current: Any) -> list[Any]:
        return [round(1.0 - (1.0 - current) * factor, 6) for factor in factors]

    return values


def _depths(current: Any) -> list[Any]:
    return [current - 2, current]


# Known fields, most telling first; names the model no longer has are passed over. When none is
# left, any numeric field is scaled instead (halved, kept, doubled), so --search never breaks.
_SCORE_SHAPING: list[tuple[str, _Values]] = [
    ("level_span", _scaled(0.5, 1.0, 2.0)),
    ("record_block", _scaled(0.5, 1.0, 2.0)),
    ("smooth_points", _scaled(0.5, 1.0)),
    ("window_size", _scaled(0.5, 1.0)),
    ("calibration_window", _scaled(0.5, 1.0, 2.0)),
    ("height", _depths),
]
_ALERTING: list[tuple[str, _Values]] = [
    ("alert_threshold", _tail_shares(1.5, 1.0, 0.5)),
    ("tail_quantile", _tail_shares(2.0, 1.0, 0.5)),
    ("min_deviation", _scaled(0.75, 1.0, 1.25)),
]
_CANDIDATES: dict[SearchMetric, list[tuple[str, _Values]]] = {
    "nab": _SCORE_SHAPING,
    "f1": _ALERTING + _SCORE_SHAPING,
}
# Never searched: they do not change what is detected, or only by chance.
_NOT_SEARCHED = frozenset({"seed", "max_contributions"})
_MAX_FIELDS = 3


@dataclass(frozen=True, slots=True)
class GridPoint:
    """One combination: the fields changed, and the settings (None if they were rejected)."""

    changes: dict[str, Any]
    settings: SeriesModelSettings | None
    rejected: str | None

    def describe(self) -> str:
        return " ".join(
            f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
            for name, value in self.changes.items()
        )


def search_grid(base: SeriesModelSettings, metric: SearchMetric) -> list[GridPoint]:
    """The combinations to try, each field's values around its value in `base`."""
    known = SeriesModelSettings.model_fields
    candidates = [(name, values_of) for name, values_of in _CANDIDATES[metric] if name in known]
    candidates += [
        (name, _scaled(0.5, 1.0, 2.0))
        for name, info in known.items()
        if info.annotation in (int, float) and name not in _NOT_SEARCHED
    ]
    fields: list[tuple[str, list[Any]]] = []
    size = 1
    for name, values_of in candidates:
        values = list(dict.fromkeys(values_of(getattr(base, name))))
        if any(name == taken for taken, _ in fields) or size * len(values) > MAX_COMBINATIONS:
            continue
        fields.append((name, values))
        size *= len(values)
        if len(fields) == _MAX_FIELDS:
            break
    if not fields:
        raise ConfigError(f"no setting of SeriesModelSettings to search for {metric}")
    points = []
    for combination in itertools.product(*(values for _, values in fields)):
        changes = dict(zip((name for name, _ in fields), combination, strict=True))
        try:
            points.append(GridPoint(changes, settings_with(base, **changes), None))
        except ConfigError as error:
            points.append(GridPoint(changes, None, str(error)))
    return points
