"""Files in and out of a backtest: CSV rows streamed in file order, times parsed, results written.

Nothing here sorts or buffers: rows come out in the order they are in the file (one NAB file's
clock jumps back, and a backtest must see exactly what a live stream would have).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from detectors.closing import Closing
from schemas.errors import DexwatchError

__all__ = ["CsvInput", "CsvRecord", "OutputWriter", "TimeParseError", "parse_time"]

CsvRecord = tuple[int, list[str], str | None]
"""A data row: its line number in the file (1 is the header), its fields, and a problem that
kept the CSV reader from splitting it (then the fields are empty)."""


class TimeParseError(DexwatchError, ValueError):
    """A time that is neither ISO 8601 nor epoch seconds."""


def parse_time(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 (naive means UTC) or epoch seconds (a bare number).

    `2014-07-01 00:00:00`, `2014-07-01T00:00:00Z`, `2014-07-01T02:00:00+02:00`, `1404172800`.
    A bare number is always epoch seconds (never milliseconds, never a compact date).
    """
    stripped = text.strip()
    try:
        seconds = float(stripped)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise TimeParseError(f"time {text!r} is not a finite number of epoch seconds")
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise TimeParseError(f"epoch seconds {text!r} are out of range") from None
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        raise TimeParseError(f"time {text!r} is neither ISO 8601 nor epoch seconds") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class CsvInput(Closing):
    """A CSV file with a header row, read lazily: `header`, then `(line, fields)` records.

    Blank lines are not rows and are passed over. Use as a context manager.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file: IO[str] = path.open(newline="", encoding="utf-8-sig")
        except OSError as error:
            raise DexwatchError(f"cannot read {path}: {error.strerror or error}") from error
        self._reader = csv.reader(self._file)
        try:
            first = next(self._reader, None)
        except (csv.Error, UnicodeDecodeError) as error:
            self._file.close()
            raise DexwatchError(f"{path}: cannot read the header row: {error}") from error
        if not first or not any(name.strip() for name in first):
            self._file.close()
            raise DexwatchError(f"{path}: the first line must be a header naming the columns")
        self.header: list[str] = [name.strip() for name in first]

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
                yield self._reader.line_num, fields, None

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
