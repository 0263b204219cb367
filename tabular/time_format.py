"""One time format per file: ISO 8601 or Unix times in one unit, decided by the first row.

A bare number's unit is read from its size, and a file that mixes sizes is a broken file, not
one to guess at row by row: a row in another format than the first row's is refused (a bad row
naming its line) rather than read in a unit the rest of the file does not use.
"""

from __future__ import annotations

from datetime import datetime

from dexwatch.schemas.epoch_time import EPOCH_UNIT_NAMES
from dexwatch.tabular.csv_input import ISO_8601, TimeParseError, read_time

__all__ = ["FileTimes", "MixedTimeFormatError", "describe_time_format"]


class MixedTimeFormatError(TimeParseError):
    """A time readable on its own, but in another format than the file's first time."""


def describe_time_format(form: str) -> str:
    """`ISO 8601` or `Unix milliseconds` (from `read_time`'s format)."""
    return "ISO 8601" if form == ISO_8601 else f"Unix {EPOCH_UNIT_NAMES[form]}"


class FileTimes:
    """Reads a file's times; the first time read (`decided_by` its line) fixes the format."""

    def __init__(self) -> None:
        self.form: str | None = None
        self.decided_by: int | None = None

    def read(self, text: str, line: int) -> datetime:
        """The time, or `TimeParseError` (`MixedTimeFormatError` for a format change)."""
        at, form = read_time(text)
        if self.form is None:
            self.form, self.decided_by = form, line
        elif form != self.form:
            raise MixedTimeFormatError(
                f"time {text.strip()!r} reads as {describe_time_format(form)}, but this file's "
                f"times are {describe_time_format(self.form)} (as on line {self.decided_by})"
            )
        return at

    def describe(self) -> str:
        """`Unix milliseconds`, `ISO 8601`, or `none read`."""
        return describe_time_format(self.form) if self.form is not None else "none read"
