"""A restarted worker resumes its series from their snapshots: no second warm-up."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from dexwatch.schemas import AnomalyEvent, decode, encode
from tests.series_data import START, STEP, pool_events
from tests.support.kafka_helpers import consume_until, create_topic, produce, wait_for
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

STEPS, SPIKE_STEP, RESTART_AT = 720, 700, 640  # the model warms up over 600 points


def _records(first: int, last: int) -> list[tuple[bytes | None, bytes]]:
    events = list(pool_events("0xsnap", STEPS, seed=4, spikes=frozenset({SPIKE_STEP})))
    return [(event.series_key.encode(), encode(event)) for event in events[first:last]]


def _wait_scored(worker: WorkerProcess, count: int) -> None:
    wait_for(
        lambda: worker.metric("dexwatch_events_scored_total") >= count,
        60,
        f"the worker to score {count} points",
    )


@pytest.mark.parametrize("stop", ["sigterm", "sigkill"])
def test_a_restarted_worker_goes_on_from_its_snapshots(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path, stop: str
) -> None:
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter")}
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic)
    app_id = unique_name("app")
    # Snapshots are due every 0.5 s; a SIGTERM also flushes every changed series. Both
    # workers are one static group member (KIP-345): the second takes the partitions at once,
    # where a new member would wait out the first one's 60 s session (the wait below is 45 s).
    env = {
        "DEXWATCH_SNAPSHOT_INTERVAL_S": "0.5",
        "DEXWATCH_BROKER_SESSION_TIMEOUT_S": "60",
        "DEXWATCH_GROUP_INSTANCE_ID": f"{app_id}-0",
    }
    first = WorkerProcess(kafka_bootstrap, app_id, topics, tmp_path / "first", env)
    resume_at = RESTART_AT
    try:
        first.wait_until_serving()
        if stop == "sigterm":
            produce(kafka_bootstrap, topics["metrics"], _records(0, RESTART_AT))
            _wait_scored(first, RESTART_AT)
            first.stop()  # flushes every series that changed since its last snapshot
        else:
            produce(kafka_bootstrap, topics["metrics"], _records(0, 600))
            _wait_scored(first, 600)
            # One point at a time until a scheduled snapshot is written (0.5 s after the
            # series' first point), then kill: nothing after that snapshot was learnt.
            resume_at = 600
            while first.metric("dexwatch_snapshot_writes_total") < 1:
                assert resume_at < RESTART_AT, "no scheduled snapshot was written"
                produce(kafka_bootstrap, topics["metrics"], _records(resume_at, resume_at + 1))
                resume_at += 1
                _wait_scored(first, resume_at)
            first.process.send_signal(signal.SIGKILL)
            first.process.wait(10)
    finally:
        first.stop()
    # A fresh data dir: the models can only come back from the changelog topic.
    second = WorkerProcess(kafka_bootstrap, app_id, topics, tmp_path / "second", env)
    try:
        second.wait_until_serving()
        produce(kafka_bootstrap, topics["metrics"], _records(resume_at, STEPS))
        anomalies = [
            decode(AnomalyEvent, message.value() or b"")
            for message in consume_until(
                kafka_bootstrap, topics["anomalies"], lambda found: len(found) >= 1, 45
            )
        ]
        # A model started afresh at RESTART_AT would still be warming up at the spike.
        assert [anomaly.interval_start for anomaly in anomalies] == [START + SPIKE_STEP * STEP]
        assert anomalies[0].model_snapshot_version >= 1
    finally:
        second.stop()
