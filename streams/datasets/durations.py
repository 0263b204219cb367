"""Durations as people write them in dataset files ("90s", "5m", "1h", "1d"), in whole seconds.

One spelling per length ("60m" is stored as "1h"), so equal settings hash equally.
"""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_PATTERN = re.compile(r"^\s*(\d{1,9})\s*([smhd])\s*$")


def parse_duration(text: str) -> int:
    """Seconds in `text`, a whole number followed by one unit: s, m, h or d."""
    match = _PATTERN.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a duration: write a whole number and a unit, e.g. '90s', '5m', "
            "'1h', '1d'"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def format_duration(seconds: int) -> str:
    """The shortest spelling of `seconds` in the largest unit that divides it ("0s" for zero)."""
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {seconds}")
    for unit, size in _UNITS.items():
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return "0s"
