"""The console's embedded store: one SQLite file (WAL), one writer, a reader per thread.

Everything in it comes from the topics, so it can be deleted at any time: a console started
on no file (or a file of another format version) reads the topics again from their start and
ends with the same answers. Reads never wait for the writer (WAL); blocking calls are run in
threads by the callers (`asyncio.to_thread` or the reader pool), never on the event loop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path

from dexwatch.console.errors import ConsoleError
from dexwatch.console.store.ingest_batch import IngestBatch
from dexwatch.console.store.store_schema import FORMAT_VERSION, create_tables, stored_version
from dexwatch.console.store.store_writing import write_batch

__all__ = ["ROW_TABLES", "ConsoleStore"]

log = logging.getLogger(__name__)

ROW_TABLES = (
    "anomalies",
    "incidents",
    "incident_versions",
    "scores",
    "series",
    "model_actions",
    "feedback",
    "controls",
)
_DAY_MS = 86_400_000


class ConsoleStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = self._connect()
        except (OSError, sqlite3.Error) as error:
            raise ConsoleError(f"cannot open the console store {path}: {error}") from error
        version = stored_version(self._writer)
        if version is not None and version != FORMAT_VERSION:
            log.warning(
                "the console store %s is of format %d, this console writes %d: it is rebuilt "
                "from the topics",
                path,
                version,
                FORMAT_VERSION,
            )
            self._writer.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self._writer = self._connect()
        create_tables(self._writer)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA busy_timeout=5000")
        # `with connection:` then opens and commits a transaction
        connection.isolation_level = "DEFERRED"
        return connection

    def reader(self) -> sqlite3.Connection:
        """This thread's read connection."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            connection.execute("PRAGMA query_only=ON")
            # A 10,000-point series is ~2 MB of pages: held in memory, not read again each time.
            connection.execute("PRAGMA cache_size=-65536")
            connection.execute("PRAGMA mmap_size=268435456")
            self._local.connection = connection
            with self._write_lock:
                self._readers.append(connection)
        return connection

    def positions(self) -> dict[tuple[str, int], int]:
        """The next offset to read of each partition read so far."""
        with self._write_lock:
            rows = self._writer.execute("SELECT topic, partition, next_offset FROM offsets")
            return {(topic, partition): offset for topic, partition, offset in rows}

    def apply(self, batch: IngestBatch) -> None:
        with self._write_lock:
            write_batch(self._writer, batch)

    def prune(self, retention_days: float, by_dataset: Mapping[str, float]) -> int:
        """Drop rows older than each dataset's retention, counted back from the newest event
        time it holds (not the wall clock: a replayed history is kept as a live one would be).
        Returns the rows dropped."""
        dropped = 0
        with self._write_lock, self._writer as connection:
            for dataset, newest in connection.execute("SELECT dataset, t FROM newest").fetchall():
                cutoff = newest - int(by_dataset.get(dataset, retention_days) * _DAY_MS)
                stale = (
                    "DELETE FROM incident_versions WHERE incident_id IN "
                    "(SELECT incident_id FROM incidents WHERE dataset = ? AND t < ?)",
                    "DELETE FROM controls WHERE incident_id IN "
                    "(SELECT incident_id FROM incidents WHERE dataset = ? AND t < ?)",
                    "DELETE FROM incidents WHERE dataset = ? AND t < ?",
                    "DELETE FROM anomalies WHERE dataset = ? AND t < ?",
                    "DELETE FROM scores WHERE dataset = ? AND t < ?",
                    "DELETE FROM series WHERE dataset = ? AND last_t < ?",
                    "DELETE FROM model_actions WHERE dataset = ? AND t < ?",
                    "DELETE FROM feedback WHERE dataset = ? AND t < ?",
                )
                for statement in stale:
                    dropped += connection.execute(statement, (dataset, cutoff)).rowcount
        return dropped

    def row_counts(self) -> dict[str, int]:
        connection = self.reader()
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ROW_TABLES
        }

    def close(self) -> None:
        with self._write_lock:
            for connection in self._readers:
                connection.close()
            self._readers.clear()
            self._writer.close()
