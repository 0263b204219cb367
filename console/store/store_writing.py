"""Writing an ingest batch into the store in one transaction, offsets included: a console
killed at any moment either has a batch and its offsets, or neither, and reads it again."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import orjson
from pydantic import BaseModel

from dexwatch.console.store.ingest_batch import IngestBatch
from dexwatch.schemas.incident import IncidentEvent

__all__ = ["millis", "write_batch"]


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _body(event: BaseModel) -> str:
    return orjson.dumps(event.model_dump(mode="json", exclude_none=True)).decode()


def write_batch(connection: sqlite3.Connection, batch: IngestBatch) -> None:
    newest: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}  # (dataset, series) -> newest time in the batch

    def saw(dataset: str, t: int, series: str | None = None) -> None:
        newest[dataset] = max(newest.get(dataset, t), t)
        if series is not None:
            seen[(dataset, series)] = max(seen.get((dataset, series), t), t)

    anomalies = []
    for anomaly in batch.anomalies:
        t = millis(anomaly.interval_start)
        saw(anomaly.dataset, t, anomaly.series)
        anomalies.append(
            (
                anomaly.anomaly_id,
                anomaly.dataset,
                anomaly.series,
                anomaly.kind,
                anomaly.severity,
                t,
                orjson.dumps(anomaly.dimensions).decode(),
                _body(anomaly),
            )
        )
    scores = []
    for score in batch.scores:
        t = millis(score.interval_start)
        saw(score.dataset, t, score.series)
        point = {
            "t": t,
            "values": score.values,
            "bands": score.bands,
            "score": score.score,
            "severity": score.severity,
            "anomaly": score.anomaly,
        }
        scores.append(
            (
                score.dataset,
                score.series,
                t,
                score.severity,
                int(score.anomaly),
                orjson.dumps(point).decode(),
            )
        )
    actions = []
    for action in batch.model_actions:
        t = millis(action.at)
        saw(action.dataset, t)
        actions.append((action.action_id, action.dataset, action.series, t, _body(action)))
    for incident in batch.incidents:
        saw(incident.dataset, millis(incident.interval_start))
    with connection:  # one transaction
        connection.executemany(
            "INSERT OR REPLACE INTO anomalies VALUES (?, ?, ?, ?, ?, ?, ?, ?)", anomalies
        )
        connection.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?, ?, ?)", scores)
        connection.executemany(
            "INSERT INTO series VALUES (?, ?, ?) ON CONFLICT (dataset, series) "
            "DO UPDATE SET last_t = max(last_t, excluded.last_t)",
            [(dataset, series, t) for (dataset, series), t in seen.items()],
        )
        connection.executemany(
            "INSERT OR REPLACE INTO model_actions VALUES (?, ?, ?, ?, ?)", actions
        )
        for incident in batch.incidents:
            _incident(connection, incident)
        connection.executemany(
            "INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?)",
            [
                (f.feedback_id, f.incident_id, f.dataset, millis(f.given_at), _body(f))
                for f in batch.feedback
            ],
        )
        for incident_id, control in batch.controls:
            if control is None:
                connection.execute("DELETE FROM controls WHERE incident_id = ?", (incident_id,))
            else:
                connection.execute(
                    "INSERT OR REPLACE INTO controls VALUES (?, ?, ?)",
                    (incident_id, control.dataset, _body(control)),
                )
        connection.executemany(
            "INSERT INTO newest VALUES (?, ?) ON CONFLICT (dataset) "
            "DO UPDATE SET t = max(t, excluded.t)",
            newest.items(),
        )
        connection.executemany(
            "INSERT OR REPLACE INTO offsets VALUES (?, ?, ?)",
            [
                (topic, partition, offset)
                for (topic, partition), offset in batch.next_offsets.items()
            ],
        )


def _incident(connection: sqlite3.Connection, incident: IncidentEvent) -> None:
    incident_body = _body(incident)
    connection.execute(
        "INSERT OR REPLACE INTO incident_versions VALUES (?, ?, ?)",
        (incident.incident_id, incident.version, incident_body),
    )
    # The list shows each incident's latest version; versions may be read out of order only
    # across a rebuild, so an older one never overwrites a newer.
    connection.execute(
        "INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id) "
        "DO UPDATE SET dataset = excluded.dataset, status = excluded.status, "
        "severity = excluded.severity, version = excluded.version, t = excluded.t, "
        "group_json = excluded.group_json, body = excluded.body "
        "WHERE excluded.version >= incidents.version",
        (
            incident.incident_id,
            incident.dataset,
            incident.status,
            incident.severity,
            incident.version,
            millis(incident.interval_start),
            orjson.dumps(incident.group).decode(),
            incident_body,
        ),
    )
