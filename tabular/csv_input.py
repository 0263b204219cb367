"""Files in and out of a backtest: CSV rows streamed in file order, times parsed, results written.

Nothing here sorts or buffers: rows come out in the order they are in the file (ordering, when
wanted, is `tabular.row_order`'s job).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from dexwatch.schemas.epoch_time import epoch_seconds_by_magnitude
from dexwatch.schemas.errors import DexwatchError
from dexwatch.tabular.closing import Closing
from dexwatch.tabular.column_shape import ColumnShape
from dexwatch.tabular.delimiter import sniff_delimiter

__all__ = [
    "ISO_8601",
    "CsvInput",
    "CsvRecord",
    "OutputWriter",
    "TimeParseError",
    "count_data_lines",
    "parse_time",
    "read_time",
]

CsvRecord = tuple[int, list[str], str | None]
"""A data row: its line number in the file (1 is the header), its fields, and a problem that
kept the CSV reader from splitting it (then the fields are empty)."""

ISO_8601 = "iso"
"""`read_time`'s format for an ISO 8601 time; a Unix time's format is its unit ("s", "ms"...)."""

# Enough lines to see past a header that happens to split the same way under two delimiters.
_SNIFF_LINES = 20
_SNIFF_CHARS = 64 * 1024
_COUNT_CHUNK = 1024 * 1024


class TimeParseError(DexwatchError, ValueError):
    """A time that is neither ISO 8601 nor a Unix time."""


def parse_time(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 (naive means UTC) or a Unix time (a bare number).

    `2014-07-01 00:00:00`, `2014-07-01T00:00:00Z`, `2014-07-01T02:00:00+02:00`, `1404172800`,
    `1404172800000` (milliseconds). A bare number's unit is read from its magnitude
    (`schemas.epoch_time`): seconds, milliseconds, microseconds or nanoseconds.
    """
    return read_time(text)[0]


def read_time(text: str) -> tuple[datetime, str]:
    """`parse_time`, and the format read: `ISO_8601` or the Unix unit ("s", "ms", "us", "ns")."""
    stripped = text.strip()
    try:
        number = float(stripped)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):
            raise TimeParseError(f"time {text!r} is not a finite Unix time")
        seconds, unit = epoch_seconds_by_magnitude(number)
        try:
            return datetime.fromtimestamp(seconds, tz=UTC), unit
        except (OverflowError, OSError, ValueError):
            raise TimeParseError(f"Unix time {text!r} is out of range") from None
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        raise TimeParseError(f"time {text!r} is neither ISO 8601 nor a Unix time") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), ISO_8601
    return parsed.astimezone(UTC), ISO_8601


def count_data_lines(path: Path) -> int:
    """The file's line count less the header, read as bytes: quick, and exact unless fields
    hold line breaks or lines are blank (then it is a little over)."""
    lines = 0
    last = b"\n"
    try:
        with path.open("rb") as file:
            while chunk := file.read(_COUNT_CHUNK):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError as error:
        raise DexwatchError(f"cannot read {path}: {error.strerror or error}") from error
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


class CsvInput(Closing):
    """A CSV file with a header row, read lazily: `header`, then `(line, fields)` records.

    `delimiter` separates fields; None finds it among `,` `;` and tab from the first lines
    (`tabular.delimiter`), and `sniffed` says it was. `shape` renames columns and adds
    constant ones (`tabular.column_shape`): `header` and the records are shaped. Blank lines
    are not rows and are passed over. Use as a context manager.
    """

    def __init__(
        self, path: Path, delimiter: str | None = None, shape: ColumnShape | None = None
    ) -> None:
        self.path = path
        self._shape = shape or ColumnShape()
        try:
            self._file: IO[str] = path.open(newline="", encoding="utf-8-sig")
        except OSError as error:
            raise DexwatchError(f"cannot read {path}: {error.strerror or error}") from error
        self.sniffed = delimiter is None
        if delimiter is None:
            delimiter = self._sniff()
        self.delimiter = delimiter
        self._reader = csv.reader(self._file, delimiter=delimiter)
        try:
            first = next(self._reader, None)
        except (csv.Error, UnicodeDecodeError) as error:
            self._file.close()
            raise DexwatchError(f"{path}: cannot read the header row: {error}") from error
        if not first or not any(name.strip() for name in first):
            self._file.close()
            raise DexwatchError(f"{path}: the first line must be a header naming the columns")
        try:
            self.header: list[str] = self._shape.header([name.strip() for name in first])
        except DexwatchError:
            self._file.close()
            raise

    def _sniff(self) -> str:
        try:
            sample = self._file.read(_SNIFF_CHARS)
            self._file.seek(0)
        except UnicodeDecodeError as error:
            self._file.close()
            raise DexwatchError(f"{self.path}: not UTF-8 text: {error}") from error
        lines = sample.splitlines()
        if len(sample) == _SNIFF_CHARS and lines:
            lines.pop()  # cut short by the sample's end
        return sniff_delimiter(lines[:_SNIFF_LINES])

    def records(self) -> Iterator[CsvRecord]:
        while True:
            try:
                fields = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                # A malformed line is one bad row, not the end of the file.
                yield self._reader.line_num, [], f"malformed CSV: {error}"
                continue
            except UnicodeDecodeError as error:
                raise DexwatchError(
                    f"{self.path}: not UTF-8 text after line {self._reader.line_num}: {error}"
                ) from error
            if fields:
                yield self._reader.line_num, self._shape.fields(fields), None

    def close(self) -> None:
        self._file.close()


class OutputWriter(Closing):
    """The per-row result file: a CSV with the given header, one `write` per input row."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = path
        try:
            self._file: IO[str] = path.open("w", newline="", encoding="utf-8")
        except OSError as error:
            raise DexwatchError(f"cannot write {path}: {error.strerror or error}") from error
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(header)
        self.rows_written = 0

    def write(self, fields: Sequence[str | int]) -> None:
        self._writer.writerow(fields)
        self.rows_written += 1

    def close(self) -> None:
        self._file.close()
