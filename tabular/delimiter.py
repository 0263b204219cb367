"""Which of `,` `;` and tab separates a CSV file's fields, found from its first lines.

Spreadsheets in much of Europe write `;` (the comma being the decimal mark) and many exports
write tabs, so a file backtest that assumed commas would read such a file as one column.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence

__all__ = ["DELIMITERS", "describe_delimiter", "sniff_delimiter"]

DELIMITERS = (",", ";", "\t")
"""The candidates, in the order a tie is settled."""

_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", " ": "space", "|": "pipe"}


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The candidate that splits the header (`lines[0]`) into the most columns that the data
    lines agree with; `,` when none splits the header at all (a one-column file).

    Data lines whose field count differs from the header's count against a candidate, so a
    comma inside `1,5;2,5` (decimal commas) does not win over the `;` every line has.
    """
    best: tuple[int, int] | None = None
    chosen = ","
    rows = [line for line in lines if line.strip()]
    if not rows:
        return chosen
    for delimiter in DELIMITERS:
        parsed = list(csv.reader(rows, delimiter=delimiter))
        width = len(parsed[0])
        if width < 2:
            continue
        agreeing = sum(len(fields) == width for fields in parsed[1:])
        rank = (agreeing, width)
        if best is None or rank > best:
            best, chosen = rank, delimiter
    return chosen


def describe_delimiter(delimiter: str) -> str:
    """`semicolon (';')`, `tab ('\\t')`, or the character's repr for any other."""
    name = _NAMES.get(delimiter)
    return f"{name} ({delimiter!r})" if name else repr(delimiter)
