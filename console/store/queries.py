"""Read queries of the store: filtered lists (newest first, paged by cursor), one incident
with its versions, and a series' points with their bands."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from dexwatch.console.store.paging import Cursor, Page, encode_cursor, page_clause

__all__ = [
    "AnomalyFilter",
    "IncidentDetail",
    "IncidentFilter",
    "ListWindow",
    "anomaly_page",
    "control_of",
    "datasets",
    "incident_detail",
    "incident_page",
    "latest_incident",
    "model_action_page",
    "series_page",
    "series_points",
]


@dataclass(frozen=True, slots=True)
class ListWindow:
    """What every list takes: a time range (ms, `until` excluded), a page size, a cursor."""

    since: int | None = None
    until: int | None = None
    limit: int = 100
    cursor: Cursor | None = None
    dataset: str | None = None


@dataclass(frozen=True, slots=True)
class AnomalyFilter:
    series: str | None = None
    dimensions: tuple[tuple[str, str], ...] = ()
    min_severity: int = 0
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    statuses: tuple[str, ...] = ()
    group: tuple[tuple[str, str], ...] = ()
    min_severity: int = 0


@dataclass(slots=True)
class _Where:
    parts: list[str] = field(default_factory=list)
    args: list[object] = field(default_factory=list)

    def add(self, part: str, *args: object) -> None:
        self.parts.append(part)
        self.args.extend(args)

    def window(self, window: ListWindow, t: str = "t") -> None:
        if window.dataset is not None:
            self.add("dataset = ?", window.dataset)
        if window.since is not None:
            self.add(f"{t} >= ?", window.since)
        if window.until is not None:
            self.add(f"{t} < ?", window.until)

    @property
    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.parts)}" if self.parts else ""


def _page(
    connection: sqlite3.Connection, table: str, key: str, where: _Where, window: ListWindow
) -> Page:
    clause, args = page_clause(window.cursor, "t", key)
    if clause:
        where.add(clause, *args)
    rows = connection.execute(
        f"SELECT t, {key}, body FROM {table}{where.sql} ORDER BY t DESC, {key} DESC LIMIT ?",
        [*where.args, window.limit + 1],
    ).fetchall()
    more = len(rows) > window.limit
    rows = rows[: window.limit]
    cursor = encode_cursor(rows[-1][0], rows[-1][1]) if more else None
    return Page([row[2] for row in rows], cursor)


def anomaly_page(connection: sqlite3.Connection, window: ListWindow, f: AnomalyFilter) -> Page:
    where = _Where()
    where.window(window)
    if f.series is not None:
        where.add("series = ?", f.series)
    for name, value in f.dimensions:
        where.add("json_extract(dimensions, ?) = ?", f'$."{name}"', value)
    if f.min_severity:
        where.add("severity >= ?", f.min_severity)
    if f.kind is not None:
        where.add("kind = ?", f.kind)
    return _page(connection, "anomalies", "anomaly_id", where, window)


def incident_page(connection: sqlite3.Connection, window: ListWindow, f: IncidentFilter) -> Page:
    where = _Where()
    where.window(window)
    if f.statuses:
        where.add(f"status IN ({','.join('?' * len(f.statuses))})", *f.statuses)
    for name, value in f.group:
        where.add("json_extract(group_json, ?) = ?", f'$."{name}"', value)
    if f.min_severity:
        where.add("severity >= ?", f.min_severity)
    return _page(connection, "incidents", "incident_id", where, window)


def model_action_page(
    connection: sqlite3.Connection, window: ListWindow, series: str | None
) -> Page:
    where = _Where()
    where.window(window)
    if series is not None:
        where.add("series = ?", series)
    return _page(connection, "model_actions", "action_id", where, window)


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    versions: list[str]  # each version's JSON, oldest first
    control: str | None
    feedback: list[str]


def incident_detail(connection: sqlite3.Connection, incident_id: str) -> IncidentDetail | None:
    versions = [
        row[0]
        for row in connection.execute(
            "SELECT body FROM incident_versions WHERE incident_id = ? ORDER BY version",
            (incident_id,),
        )
    ]
    if not versions:
        return None
    control = connection.execute(
        "SELECT body FROM controls WHERE incident_id = ?", (incident_id,)
    ).fetchone()
    feedback = [
        row[0]
        for row in connection.execute(
            "SELECT body FROM feedback WHERE incident_id = ? ORDER BY t", (incident_id,)
        )
    ]
    return IncidentDetail(versions, None if control is None else control[0], feedback)


def latest_incident(connection: sqlite3.Connection, incident_id: str) -> str | None:
    row = connection.execute(
        "SELECT body FROM incidents WHERE incident_id = ?", (incident_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def control_of(connection: sqlite3.Connection, incident_id: str) -> str | None:
    row = connection.execute(
        "SELECT body FROM controls WHERE incident_id = ?", (incident_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def series_points(
    connection: sqlite3.Connection,
    dataset: str,
    series: str,
    since: int | None,
    until: int | None,
    limit: int,
) -> list[str]:
    """The latest `limit` points of the range (each its JSON), oldest first."""
    where = _Where()
    where.add("dataset = ?", dataset)
    where.add("series = ?", series)
    if since is not None:
        where.add("t >= ?", since)
    if until is not None:
        where.add("t < ?", until)
    rows = connection.execute(
        f"SELECT point FROM scores{where.sql} ORDER BY t DESC LIMIT ?", [*where.args, limit]
    ).fetchall()
    return [row[0] for row in reversed(rows)]


def series_page(
    connection: sqlite3.Connection, dataset: str, prefix: str | None, limit: int, after: str | None
) -> tuple[list[tuple[str, int]], str | None]:
    """A dataset's series in key order (`after`: the last key of the previous page)."""
    where = _Where()
    where.add("dataset = ?", dataset)
    if prefix:
        where.add("substr(series, 1, ?) = ?", len(prefix), prefix)
    if after is not None:
        where.add("series > ?", after)
    rows: list[tuple[str, int]] = connection.execute(
        f"SELECT series, last_t FROM series{where.sql} ORDER BY series LIMIT ?",
        [*where.args, limit + 1],
    ).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0] if more else None)


def datasets(connection: sqlite3.Connection) -> list[tuple[str, int, int, int, int]]:
    """(dataset, series, anomalies, open incidents, newest time) of each dataset."""
    rows: list[tuple[str, int, int, int, int]] = connection.execute(
        """
        SELECT n.dataset,
               (SELECT count(*) FROM series s WHERE s.dataset = n.dataset),
               (SELECT count(*) FROM anomalies a WHERE a.dataset = n.dataset),
               (SELECT count(*) FROM incidents i
                 WHERE i.dataset = n.dataset AND i.status != 'resolved'),
               n.t
        FROM newest n ORDER BY n.dataset
        """
    ).fetchall()
    return rows
