"""Where `dexwatch run` keeps things: a fresh run clears only its own folder; --keep-state keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.cli.run_state import RunPlaces, run_places
from dexwatch.schemas.errors import DexwatchError


def _leave_state(state_dir: Path) -> list[Path]:
    files = [
        state_dir / "run" / "kafka" / "data" / "meta.properties",
        state_dir / "run" / "worker" / "snapshots.db",
        state_dir / "logs" / "worker.log",
        state_dir / "kafka" / "data" / "meta.properties",  # `dexwatch kafka start`'s broker
    ]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("earlier")
    return files


def test_a_fresh_run_clears_the_last_runs_folder_and_nothing_else(tmp_path: Path) -> None:
    scoped_kafka, scoped_worker, log, shared_kafka = _leave_state(tmp_path)
    with run_places(tmp_path, keep_state=False) as places:
        assert places == RunPlaces(
            tmp_path / "logs", tmp_path / "run/kafka", tmp_path / "run/worker"
        )
        assert not scoped_kafka.exists()
        assert not scoped_worker.exists()
        assert log.read_text() == "earlier", "logs are kept (each run rewrites its own)"
        assert shared_kafka.read_text() == "earlier"


def test_keep_state_keeps_everything_in_the_long_lived_folders(tmp_path: Path) -> None:
    files = _leave_state(tmp_path)
    with run_places(tmp_path, keep_state=True) as places:
        assert places == RunPlaces(tmp_path / "logs", tmp_path / "kafka", tmp_path / "worker")
        assert all(path.read_text() == "earlier" for path in files)


def test_a_second_run_on_the_same_folder_meanwhile_is_refused(tmp_path: Path) -> None:
    refused = pytest.raises(DexwatchError, match="another `dexwatch run` is using")
    with run_places(tmp_path, keep_state=False), refused, run_places(tmp_path, keep_state=True):
        pass
    with run_places(tmp_path, keep_state=False):
        pass  # free again once the first has ended
