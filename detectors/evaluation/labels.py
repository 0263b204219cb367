"""Anomaly labels for scoring: NAB windows (`windows.json`) or a 0/1 column, as row indices.

NAB windows are timestamps; they become row indices by exact time match while rows stream by,
in file order (one NAB file's clock jumps back, so rows are scanned, never sorted or searched).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from dexwatch.schemas.errors import DexwatchError
from dexwatch.tabular.csv_input import TimeParseError, parse_time

__all__ = [
    "LabelError",
    "TimeWindow",
    "WindowLocator",
    "load_nab_windows",
    "nab_key",
    "parse_label",
    "read_nab_windows",
    "windows_from_points",
]

TimeWindow = tuple[datetime, datetime]


class LabelError(DexwatchError, ValueError):
    """Labels that cannot be used: a missing entry, a bad window, a label that is not 0/1."""


def nab_key(input_path: Path) -> str:
    """The `windows.json` key of a data file: its last two path parts, `category/file.csv`."""
    return f"{input_path.parent.name}/{input_path.name}"


def read_nab_windows(labels_path: Path) -> dict[str, list[TimeWindow]]:
    """Every entry of a NAB `{"category/file.csv": [[start, end], ...]}` file, times parsed."""
    try:
        data = json.loads(labels_path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LabelError(f"cannot read {labels_path}: {error.strerror or error}") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise LabelError(f"{labels_path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise LabelError(f"{labels_path}: expected an object of file -> windows")
    return {str(key): _windows(labels_path, str(key), entry) for key, entry in data.items()}


def load_nab_windows(labels_path: Path, input_path: Path) -> tuple[str, list[TimeWindow]]:
    """The key looked up (`nab_key(input_path)`) and its windows; a missing key fails."""
    entries = read_nab_windows(labels_path)
    key = nab_key(input_path)
    if key not in entries:
        known = ", ".join(sorted(entries)[:5])
        raise LabelError(
            f"{labels_path} has no entry {key!r} (the input's last two path parts); "
            f"it has {len(entries)} entries, e.g. {known}"
        )
    return key, entries[key]


def _windows(labels_path: Path, key: str, entry: object) -> list[TimeWindow]:
    if not isinstance(entry, list):
        raise LabelError(f"{labels_path}: {key!r} must be a list of [start, end] pairs")
    windows = []
    for number, pair in enumerate(entry, start=1):
        is_pair = isinstance(pair, list) and len(pair) == 2
        if not (is_pair and all(isinstance(end, str) for end in pair)):
            raise LabelError(f"{labels_path}: {key!r} window {number} is not [start, end]: {pair}")
        try:
            start, end = parse_time(pair[0]), parse_time(pair[1])
        except TimeParseError as error:
            raise LabelError(f"{labels_path}: {key!r} window {number}: {error}") from error
        if end < start:
            raise LabelError(f"{labels_path}: {key!r} window {number} ends before it starts")
        windows.append((start, end))
    return windows


class WindowLocator:
    """Finds each window's rows while the rows stream by: call `see` for every row, in order.

    A window starts at the first row whose time equals its start and ends at the first row, from
    there on, whose time equals its end (both ends inclusive, as NAB's are).
    """

    def __init__(self, windows: Sequence[TimeWindow]) -> None:
        self.windows = list(windows)
        self._first: list[int | None] = [None] * len(self.windows)
        self._last: list[int | None] = [None] * len(self.windows)
        self._starts: dict[datetime, list[int]] = {}
        for k, (start, _) in enumerate(self.windows):
            self._starts.setdefault(start, []).append(k)
        self._open: dict[datetime, list[int]] = {}

    def see(self, row: int, at: datetime | None) -> None:
        if at is None:
            return
        for k in self._starts.pop(at, ()):
            self._first[k] = row
            self._open.setdefault(self.windows[k][1], []).append(k)
        for k in self._open.pop(at, ()):
            self._last[k] = row

    def rows(self) -> list[tuple[int, int]]:
        """Each window as (first row, last row); a window whose ends were not found fails."""
        found = []
        for k, (start, end) in enumerate(self.windows):
            first, last = self._first[k], self._last[k]
            if first is None or last is None:
                missing = start if first is None else end
                raise LabelError(
                    f"window {start.isoformat()} .. {end.isoformat()}: no row has the time "
                    f"{missing.isoformat()} (window ends must match a row's time exactly)"
                )
            found.append((first, last))
        return found


def parse_label(text: str) -> bool:
    """A 0/1 label (`true`/`false` too); anything else raises `LabelError`."""
    value = text.strip().lower()
    if value in ("1", "1.0", "true"):
        return True
    if value in ("0", "0.0", "false"):
        return False
    raise LabelError(f"label {text!r} is not 0 or 1")


def windows_from_points(labels: Sequence[bool]) -> list[tuple[int, int]]:
    """Each maximal run of rows labelled 1 as one window (first row, last row)."""
    windows = []
    start: int | None = None
    for row, label in enumerate(labels):
        if label and start is None:
            start = row
        elif not label and start is not None:
            windows.append((start, row - 1))
            start = None
    if start is not None:
        windows.append((start, len(labels) - 1))
    return windows
