"""A worker process on fresh topics, for the broker tests of the streams package."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.kafka_helpers import create_topic
from tests.support.worker_process import WorkerProcess


@pytest.fixture
def worker(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> Iterator[WorkerProcess]:
    """`dexwatch worker` serving on its own topics (`worker.topics[kind]`) and group."""
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter")}
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic)
    process = WorkerProcess(kafka_bootstrap, unique_name("app"), topics, tmp_path / "worker")
    try:
        process.wait_until_serving()
        yield process
    finally:
        process.stop()
