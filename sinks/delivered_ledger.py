"""What a sink has finished with, on disk: so a restart does not send an alert again.

A sink commits an alert's Kafka offset only after the alert was delivered or dead-lettered.
Killed between the two, it reads the alert again when it restarts. Slack has no idempotency
key, so without this ledger the alert would be posted twice; with it, the restarted sink sees
the key (`<incident_id>:<version>`) and only commits. The one gap left is a kill after Slack
took the message and before the ledger line reached the disk (a few milliseconds); a webhook
receiver closes it with the `Idempotency-Key` header, which stays the same.

A delivered key is never sent again, whichever record carries it (a worker that restarted may
write an incident version twice). A dead-lettered key is skipped only when read again from the
same record: the same version produced again (a replay of the dead letter) is tried again.

One file per sink: a version line, then one JSON line per key, `[key, "d"|"x", "<where>"]`
(delivered or dead-lettered, and the record it was read from), flushed to disk before the offset
is committed. A torn last line (a kill during the write) is ignored. The newest `keep` keys are
kept: the file is rewritten (atomically) when it holds twice as many lines. A lock file keeps
two processes from sharing one ledger.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Literal, Self

import orjson

from dexwatch.sinks.errors import LedgerError

__all__ = ["DeliveredLedger", "LedgerOutcome"]

LedgerOutcome = Literal["delivered", "dead_lettered"]
_HEADER = b'{"dexwatch_sink_ledger": 1}\n'
_CODES: dict[LedgerOutcome, str] = {"delivered": "d", "dead_lettered": "x"}
_OUTCOMES: dict[str, LedgerOutcome] = {code: outcome for outcome, code in _CODES.items()}


class DeliveredLedger:
    """`with DeliveredLedger(path) as ledger: ledger.finished(key, where); ledger.record(...)`.

    `where` names the record an alert was read from, e.g. `dexwatch.alerts:3:1207`.
    """

    def __init__(self, path: Path, *, keep: int = 100_000) -> None:
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.path = path
        self.keep = keep
        self._entries: dict[str, tuple[LedgerOutcome, str]] = {}
        self._lines = 0
        self._torn = False
        self._file: IO[bytes] | None = None
        self._lock: IO[bytes] | None = None

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock").open("ab")
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise LedgerError(
                f"{self.path} is in use by another process: each sink runs once per data dir "
                "(stop the other `dexwatch sink`, or give this one another --data-dir)"
            ) from None
        self._lock = lock
        try:
            self._load()
            self._file = self.path.open("ab")
            if self._lines == 0:
                self._append(_HEADER)
            elif self._torn:
                self._append(b"\n")  # end the torn line, so the next one stands on its own
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for handle in (self._file, self._lock):
            if handle is not None:
                handle.close()
        self._file = self._lock = None

    def __len__(self) -> int:
        return len(self._entries)

    def finished(self, key: str, where: str) -> LedgerOutcome | None:
        """How the sink finished with `key` read from `where`; None: it has yet to deliver it."""
        entry = self._entries.get(key)
        if entry is None or (entry[0] == "dead_lettered" and entry[1] != where):
            return None
        return entry[0]

    def record(self, key: str, outcome: LedgerOutcome, where: str) -> None:
        """Remember `key`, on disk before this returns."""
        self._entries.pop(key, None)
        self._entries[key] = (outcome, where)
        self._append(_line(key, outcome, where))
        if self._lines > 2 * self.keep + 1:
            self._compact()

    def _append(self, line: bytes) -> None:
        if self._file is None:
            raise LedgerError(f"{self.path} is not open")
        self._file.write(line)
        self._file.flush()
        os.fsync(self._file.fileno())
        self._lines += 1

    def _load(self) -> None:
        try:
            lines = self.path.read_bytes().splitlines(keepends=True)
        except FileNotFoundError:
            return
        if lines and lines[0] != _HEADER:
            raise LedgerError(
                f"{self.path} is not a sink ledger this dexwatch reads (move it away to start "
                "afresh; alerts whose offsets were not committed may then be sent again)"
            )
        for line in lines[1:]:
            entry = _parse(line)
            if entry is not None:
                key, outcome, where = entry
                self._entries.pop(key, None)
                self._entries[key] = (outcome, where)
        self._lines = len(lines)
        self._torn = bool(lines) and not lines[-1].endswith(b"\n")
        if len(self._entries) > self.keep:
            self._compact()

    def _compact(self) -> None:
        """Keep the newest `keep` keys: write them to a new file, then rename it over this."""
        for key in list(self._entries)[: max(0, len(self._entries) - self.keep)]:
            del self._entries[key]
        lines = [_HEADER, *(_line(key, *entry) for key, entry in self._entries.items())]
        temporary = self.path.with_name(self.path.name + ".new")
        with temporary.open("wb") as handle:
            handle.writelines(lines)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        if self._file is not None:
            self._file.close()
            self._file = self.path.open("ab")
        self._lines = len(lines)
        self._torn = False


def _line(key: str, outcome: LedgerOutcome, where: str) -> bytes:
    return orjson.dumps([key, _CODES[outcome], where]) + b"\n"


def _parse(line: bytes) -> tuple[str, LedgerOutcome, str] | None:
    """A key, its outcome and where it was read, or None for a torn or foreign line."""
    if not line.endswith(b"\n"):
        return None
    with contextlib.suppress(orjson.JSONDecodeError):
        entry = orjson.loads(line)
        if (
            isinstance(entry, list)
            and len(entry) == 3
            and all(isinstance(part, str) for part in entry)
            and entry[1] in _OUTCOMES
        ):
            return entry[0], _OUTCOMES[entry[1]], entry[2]
    return None
