"""The console store's tables: one row per anomaly, incident (and each version), score point,
model action, feedback and incident control, plus the next offset of every partition read.

Times are integers, milliseconds since the Unix epoch (UTC): they sort and compare cheaply and a
cursor carries them exactly. Each event's JSON is kept whole (`body`) and served as it is; a
score is kept as the point the API serves (`point`): a 10,000-point series is then 10,000
strings joined, not 60,000 values taken apart and put together again.
"""

from __future__ import annotations

import sqlite3

__all__ = ["FORMAT_VERSION", "create_tables", "stored_version"]

FORMAT_VERSION = 2  # a store of another version is rebuilt from the topics

_TABLES = """
CREATE TABLE IF NOT EXISTS store_format (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS offsets (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS newest (dataset TEXT PRIMARY KEY, t INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS anomalies (
    anomaly_id TEXT PRIMARY KEY, dataset TEXT NOT NULL, series TEXT NOT NULL,
    kind TEXT NOT NULL, severity INTEGER NOT NULL, t INTEGER NOT NULL,
    dimensions TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS anomalies_by_time ON anomalies (t, anomaly_id);
CREATE INDEX IF NOT EXISTS anomalies_by_dataset ON anomalies (dataset, t, anomaly_id);
CREATE INDEX IF NOT EXISTS anomalies_by_series ON anomalies (dataset, series, t);
CREATE TABLE IF NOT EXISTS incidents (
    incident_id TEXT PRIMARY KEY, dataset TEXT NOT NULL, status TEXT NOT NULL,
    severity INTEGER NOT NULL, version INTEGER NOT NULL, t INTEGER NOT NULL,
    group_json TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_by_time ON incidents (t, incident_id);
CREATE INDEX IF NOT EXISTS incidents_by_dataset ON incidents (dataset, t, incident_id);
CREATE TABLE IF NOT EXISTS incident_versions (
    incident_id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (incident_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scores (
    dataset TEXT NOT NULL, series TEXT NOT NULL, t INTEGER NOT NULL,
    severity INTEGER NOT NULL, anomaly INTEGER NOT NULL, point TEXT NOT NULL,
    PRIMARY KEY (dataset, series, t)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series (
    dataset TEXT NOT NULL, series TEXT NOT NULL, last_t INTEGER NOT NULL,
    PRIMARY KEY (dataset, series)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_actions (
    action_id TEXT PRIMARY KEY, dataset TEXT NOT NULL, series TEXT NOT NULL,
    t INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS model_actions_by_time ON model_actions (t, action_id);
CREATE TABLE IF NOT EXISTS feedback (
    feedback_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, dataset TEXT NOT NULL,
    t INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_by_incident ON feedback (incident_id, t);
CREATE TABLE IF NOT EXISTS controls (
    incident_id TEXT PRIMARY KEY, dataset TEXT NOT NULL, body TEXT NOT NULL
);
"""


def create_tables(connection: sqlite3.Connection) -> None:
    connection.executescript(_TABLES)
    if connection.execute("SELECT count(*) FROM store_format").fetchone()[0] == 0:
        connection.execute("INSERT INTO store_format (version) VALUES (?)", (FORMAT_VERSION,))


def stored_version(connection: sqlite3.Connection) -> int | None:
    """The format version of an existing store, None when it has no tables yet."""
    try:
        row = connection.execute("SELECT version FROM store_format").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else int(row[0])
