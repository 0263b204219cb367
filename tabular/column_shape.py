"""A CSV file's columns as a user wants them: some renamed, some constant ones added.

Real exports name columns for people (`Virtual Price`) and leave out what is the same on every
row (the pool a file is about). `ColumnShape` renames header names and appends constant columns
to the header and to every row, so that everything downstream (column roles, measure names,
series keys) sees the shaped file. `dexwatch replay` and `dexwatch backtest` read files through
it (`tabular.csv_input.CsvInput`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dexwatch.schemas.errors import ConfigError

__all__ = ["ColumnShape"]


@dataclass(frozen=True, slots=True)
class ColumnShape:
    """`renames`: (name in the file, new name) pairs; `constants`: (column, value) pairs added
    to every row. Other column options name the columns after renaming."""

    renames: tuple[tuple[str, str], ...] = ()
    constants: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.renames or self.constants)

    @property
    def constant_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.constants)

    def header(self, names: Sequence[str]) -> list[str]:
        """The file's header shaped; a `ConfigError` when a rename's column is not in it, or
        two columns would end up with one name."""
        shaped = list(names)
        for old, new in self.renames:
            if old not in shaped:
                raise ConfigError(
                    f"--rename {old}={new}: no column {old!r} in the header {list(names)}"
                )
            shaped = [new if name == old else name for name in shaped]
        shaped.extend(self.constant_names)
        twice = sorted({name for name in shaped if name and shaped.count(name) > 1})
        if twice:
            raise ConfigError(
                f"column name(s) {twice} would be used twice once renamed and constant columns "
                f"added (the header is {list(names)})"
            )
        return shaped

    def fields(self, values: list[str]) -> list[str]:
        """A row's fields with the constant columns' values appended."""
        if not self.constants:
            return values
        return [*values, *(value for _, value in self.constants)]
