"""Where `dexwatch run` keeps its broker data, the worker's state and its logs.

By default a run is fresh: its broker data and worker state live in `STATE_DIR/run/`, which the
next run clears before it starts. Each run then shows the same demo: the simulator's clock and
the models start together, so the injected burst is new to the models every time and no incident
of an earlier run is still open (a run that kept its models saw the burst again as a repeat, or
folded it into a stale incident). `--keep-state` keeps the broker's topics and the worker's models
in `STATE_DIR/kafka` and `STATE_DIR/worker` instead (the broker's directory is the one `dexwatch
kafka start` uses), and the simulator goes on after the last event already on the metrics topic.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings
from dexwatch.schemas.errors import DexwatchError
from dexwatch.streams.settings_loading import load_settings

__all__ = ["RUN_SCOPED", "RunPlaces", "run_places"]

log = logging.getLogger(__name__)

RUN_SCOPED = "run"
"""The folder of `STATE_DIR` that holds one run's broker data and worker state."""


@dataclass(frozen=True, slots=True)
class RunPlaces:
    """The folders of one run: `logs` are kept across runs (each run overwrites its files)."""

    logs: Path
    kafka: Path
    worker: Path


@contextlib.contextmanager
def run_places(state_dir: Path, *, keep_state: bool) -> Iterator[RunPlaces]:
    """The run's folders, with `STATE_DIR/run/` emptied first unless `keep_state`, held for
    the run: a second run on the same `state_dir` meanwhile is refused.

    A broker an earlier run left running there (`--keep-kafka`) is stopped first: its data is
    about to go. Nothing outside `STATE_DIR/run/` is ever removed.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / "run.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DexwatchError(
                f"another `dexwatch run` is using {state_dir}: stop it first, or give this "
                "one its own --state-dir"
            ) from None
        yield _prepare(state_dir, keep_state=keep_state)


def _prepare(state_dir: Path, *, keep_state: bool) -> RunPlaces:
    logs = state_dir / "logs"
    if keep_state:
        places = RunPlaces(logs, state_dir / "kafka", state_dir / "worker")
    else:
        scoped = state_dir / RUN_SCOPED
        places = RunPlaces(logs, scoped / "kafka", scoped / "worker")
        _stop_earlier_broker(places.kafka)
        try:
            shutil.rmtree(scoped, ignore_errors=False)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise DexwatchError(
                f"cannot clear the previous run's state in {scoped}: {error.strerror or error}; "
                "remove it by hand, or run with --keep-state"
            ) from error
    logs.mkdir(parents=True, exist_ok=True)
    return places


def _stop_earlier_broker(kafka_dir: Path) -> None:
    if not kafka_dir.is_dir():
        return
    broker = LocalKafkaBroker(load_settings(LocalKafkaSettings, state_dir=kafka_dir))
    if broker.stop():
        log.info("stopped the broker an earlier run left running (--keep-kafka) in %s", kafka_dir)
