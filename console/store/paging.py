"""Cursor paging over rows ordered newest first by (time, id).

A cursor is the last row's (time, id), base64url: opaque to clients, exact for the store (no
row skipped or shown twice when rows arrive between pages, unlike an offset).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from dexwatch.console.errors import BadParameter

__all__ = ["Cursor", "Page", "decode_cursor", "encode_cursor", "page_clause"]


@dataclass(frozen=True, slots=True)
class Cursor:
    t: int
    key: str


@dataclass(frozen=True, slots=True)
class Page:
    items: list[str]  # each item's JSON, as stored
    next_cursor: str | None


def encode_cursor(t: int, key: str) -> str:
    return base64.urlsafe_b64encode(f"{t}|{key}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        t, key = raw.split("|", 1)
        return Cursor(int(t), key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadParameter(
            "cursor", "not a cursor this API gave (pass next_cursor as is)"
        ) from None


def page_clause(cursor: Cursor | None, t_column: str, key_column: str) -> tuple[str, list[object]]:
    """The WHERE part that starts after `cursor` (newest first), and its arguments."""
    if cursor is None:
        return "", []
    return (
        f"({t_column} < ? OR ({t_column} = ? AND {key_column} < ?))",
        [cursor.t, cursor.t, cursor.key],
    )
