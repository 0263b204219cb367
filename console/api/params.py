"""Reading query parameters: every bad one is a `BadParameter` naming it (answered 400)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from dexwatch.console.errors import BadParameter
from dexwatch.console.store.paging import decode_cursor
from dexwatch.console.store.queries import ListWindow

__all__ = [
    "DURATION_UNITS_S",
    "duration_s",
    "integer",
    "list_window",
    "prefixed",
    "time_ms",
]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
DURATION_UNITS_S = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


def integer(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadParameter(name, f"expected a whole number, got {text[:40]!r}") from None
    if not low <= value <= high:
        raise BadParameter(name, f"expected {low}..{high}, got {value}")
    return value


def time_ms(query: Mapping[str, str], name: str) -> int | None:
    """ISO 8601 (no offset: UTC) or Unix seconds."""
    text = query.get(name)
    if text is None:
        return None
    try:
        return int(float(text) * 1000)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            name, f"expected an ISO 8601 time or Unix seconds, got {text[:40]!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def list_window(query: Mapping[str, str], max_limit: int = MAX_LIMIT) -> ListWindow:
    since, until = time_ms(query, "since"), time_ms(query, "until")
    if since is not None and until is not None and until <= since:
        raise BadParameter("until", "must be after since")
    cursor = query.get("cursor")
    dataset = query.get("dataset")
    if dataset is not None and not dataset:
        raise BadParameter("dataset", "empty: leave it out for every dataset")
    return ListWindow(
        since=since,
        until=until,
        limit=integer(query, "limit", DEFAULT_LIMIT, 1, max_limit),
        cursor=None if cursor is None else decode_cursor(cursor),
        dataset=dataset,
    )


def prefixed(query: Mapping[str, str], prefix: str) -> tuple[tuple[str, str], ...]:
    """`dim.pool=0xabc` style parameters: (name, value) pairs, names checked."""
    pairs = []
    for key, value in query.items():
        if key.startswith(prefix):
            name = key[len(prefix) :]
            if not _NAME.match(name):
                raise BadParameter(key, "expected a dimension name after the dot")
            pairs.append((name, value))
    return tuple(sorted(pairs))


def duration_s(text: str, parameter: str, most_s: int) -> int:
    match = re.fullmatch(r"([1-9][0-9]{0,6})([smhd])", text)
    if match is None:
        raise BadParameter(parameter, f"expected e.g. 90s, 30m, 4h or 2d, got {text[:40]!r}")
    seconds = int(match.group(1)) * DURATION_UNITS_S[match.group(2)]
    if seconds > most_s:
        raise BadParameter(parameter, f"at most {most_s // 86_400} days")
    return seconds
