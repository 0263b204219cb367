"""Backtest jobs: a CSV posted to the API runs through the file backtest in a worker thread.

The seeds' train / validate / infer tasks, done our way: one job replays the file through
fresh models with the dataset's detector settings (scoring each row before learning it, as the
worker does) and keeps the counts and the anomalies found. At most `max_running` run at once
and `max_queued` wait; more are refused (429). Jobs live in memory: a restarted console has
none (their files are deleted), as they are cheap to run again.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dexwatch.console.api.documents import BacktestAnomaly, BacktestJob
from dexwatch.console.errors import ConsoleError
from dexwatch.console.topic_backtest import TopicBacktest, TopicRange
from dexwatch.detectors.backtest import Backtest, BacktestColumns, backtest_file, default_measures
from dexwatch.detectors.series_settings import SeriesModelSettings
from dexwatch.schemas.errors import DexwatchError
from dexwatch.tabular.csv_input import CsvInput

__all__ = ["BacktestJobs", "BacktestRequest", "TooManyJobs"]

log = logging.getLogger(__name__)

_KEEP_ANOMALIES = 1000
_KEEP_JOBS = 100


class TooManyJobs(ConsoleError):
    """Every slot is taken and the queue is full: answered 429."""


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    dataset: str | None
    settings: SeriesModelSettings
    time_column: str
    measures: tuple[str, ...]  # empty: every other column
    dimensions: tuple[str, ...]


class BacktestJobs:
    def __init__(self, directory: Path, max_running: int, on_change: Callable[[], None]) -> None:
        self.directory = directory
        self.max_running = max_running
        self.max_queued = 4 * max_running
        self._on_change = on_change
        self._pool = ThreadPoolExecutor(max_running, thread_name_prefix="console-backtest")
        self._jobs: OrderedDict[str, BacktestJob] = OrderedDict()
        self._lock = threading.Lock()

    def states(self) -> dict[str, int]:
        with self._lock:
            counts = dict.fromkeys(("queued", "running", "done", "failed"), 0)
            for job in self._jobs.values():
                counts[job.state] += 1
            return counts

    def submit(self, request: BacktestRequest, data: bytes) -> BacktestJob:
        self._check_room()
        job_id = str(uuid.uuid4())
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{job_id}.csv"
        path.write_bytes(data)
        job = BacktestJob(
            id=job_id, state="queued", dataset=request.dataset, submitted_at=datetime.now(UTC)
        )
        self._set(job)
        self._pool.submit(self._run, job, request, path)
        return job

    def submit_topic(self, runner: TopicBacktest, asked: TopicRange) -> BacktestJob:
        """A backtest of a topic's range (see `topic_backtest.py`), in the same slots."""
        self._check_room()
        job = BacktestJob(
            id=str(uuid.uuid4()),
            state="queued",
            dataset=asked.dataset,
            submitted_at=datetime.now(UTC),
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        self._set(job)
        self._pool.submit(self._run_topic, job, runner, asked)
        return job

    def _run_topic(self, job: BacktestJob, runner: TopicBacktest, asked: TopicRange) -> None:
        self._set(job.model_copy(update={"state": "running"}))
        output = self.directory / f"{job.id}.out.csv"
        try:
            result = runner.run(asked, output)
            finished = job.model_copy(
                update={
                    "state": "done",
                    "finished_at": datetime.now(UTC),
                    "rows_scored": result.rows_scored,
                    "anomalies_found": result.anomalies_found,
                    "anomalies": result.anomalies,
                }
            )
        except (DexwatchError, OSError, ValueError, KeyError) as error:
            finished = job.model_copy(
                update={"state": "failed", "finished_at": datetime.now(UTC), "error": str(error)}
            )
        finally:
            output.unlink(missing_ok=True)
        self._set(finished)

    def _check_room(self) -> None:
        states = self.states()
        if states["queued"] >= self.max_queued:
            raise TooManyJobs(
                f"{states['running']} backtests are running and {states['queued']} waiting; "
                "try again when one is done"
            )

    def get(self, job_id: str) -> BacktestJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def listed(self) -> list[BacktestJob]:
        with self._lock:
            return list(reversed(self._jobs.values()))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _set(self, job: BacktestJob) -> None:
        with self._lock:
            self._jobs[job.id] = job
            self._jobs.move_to_end(job.id)
            while len(self._jobs) > _KEEP_JOBS:
                self._jobs.popitem(last=False)
        self._on_change()

    def _run(self, job: BacktestJob, request: BacktestRequest, path: Path) -> None:
        self._set(job.model_copy(update={"state": "running"}))
        try:
            with CsvInput(path) as source:
                header = source.header
            measures = request.measures or default_measures(
                header, request.time_column, request.dimensions
            )
            columns = BacktestColumns(request.time_column, measures, request.dimensions)
            backtest = Backtest(columns, request.settings)
            found: list[BacktestAnomaly] = []
            anomalies = 0
            for row in backtest_file(path, backtest):
                if row.is_anomaly and row.verdict is not None:
                    anomalies += 1
                    if len(found) < _KEEP_ANOMALIES:
                        found.append(
                            BacktestAnomaly(
                                time=row.output_time,
                                series=",".join(row.dimensions),
                                score=row.verdict.score,
                                severity=row.verdict.severity,
                                explanation=row.verdict.explain(),
                            )
                        )
            finished = job.model_copy(
                update={
                    "state": "done",
                    "finished_at": datetime.now(UTC),
                    "rows_scored": backtest.rows_scored,
                    "rows_refused": backtest.bad_rows.total,
                    "anomalies_found": anomalies,
                    "anomalies": found,
                }
            )
        except (DexwatchError, ValueError) as error:
            finished = job.model_copy(
                update={"state": "failed", "finished_at": datetime.now(UTC), "error": str(error)}
            )
        except Exception as error:  # a job's bug must not end the console
            log.exception("backtest %s failed", job.id)
            finished = job.model_copy(
                update={
                    "state": "failed",
                    "finished_at": datetime.now(UTC),
                    "error": f"{type(error).__name__}: {error}",
                }
            )
        finally:
            path.unlink(missing_ok=True)
        self._set(finished)
