"""Which input columns of a file backtest hold the time, the measures, the series' dimensions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dexwatch.schemas.errors import ConfigError

__all__ = ["OUTPUT_FIXED_COLUMNS", "BacktestColumns", "default_measures"]

OUTPUT_FIXED_COLUMNS = ("score", "severity", "is_anomaly", "explanation")


@dataclass(frozen=True, slots=True)
class BacktestColumns:
    """Which input columns hold the time, the measures, the series' dimensions.

    `carry` columns are read and handed back untouched on each row (a label column, say);
    they are never shown to the model.
    """

    time_column: str
    measures: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    carry: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.measures:
            raise ConfigError("at least one measure column is needed")
        roles = [("time", (self.time_column,)), ("measure", self.measures)]
        roles.append(("dimension", self.dimensions))
        seen: dict[str, str] = {}
        for role, names in roles:
            for name in names:
                if not name:
                    raise ConfigError(f"a {role} column name is empty")
                if name in seen:
                    raise ConfigError(
                        f"column {name!r} is named twice (as {seen[name]} and as {role})"
                    )
                seen[name] = role
        clashes = sorted(set(self.dimensions) & {"timestamp", *OUTPUT_FIXED_COLUMNS})
        if clashes:
            raise ConfigError(
                f"dimension column(s) {clashes} would clash with the output's own columns"
            )

    def output_header(self) -> list[str]:
        """`timestamp`, the dimensions, `score`, `severity`, `is_anomaly`, `explanation`."""
        return ["timestamp", *self.dimensions, *OUTPUT_FIXED_COLUMNS]


def default_measures(
    header: Sequence[str],
    time_column: str,
    dimensions: Sequence[str] = (),
    carry: Sequence[str] = (),
) -> tuple[str, ...]:
    """Every named column but the time column, the dimensions and the carried ones, in header
    order (as `dexwatch replay` picks them); a `ConfigError` when that leaves none."""
    taken = {time_column, *dimensions, *carry}
    measures = tuple(dict.fromkeys(name for name in header if name and name not in taken))
    if not measures:
        raise ConfigError(
            f"no column is left for measures once the time and dimension columns are taken "
            f"(the columns are {list(header)}); name them with --measures"
        )
    return measures
