"""A client nobody here wrote (kcat, librdkafka's CLI) can use the topics, both ways."""

from __future__ import annotations

import subprocess

import pytest

from dexwatch.schemas import AnomalyEvent, decode, encode
from tests.series_data import START, STEP, pool_events
from tests.support.kafka_helpers import wait_for
from tests.support.worker_process import WorkerProcess
from tests.system_tools import require_tool

pytestmark = pytest.mark.kafka


@pytest.fixture
def kcat() -> str:
    return require_tool("kcat")


def test_kcat_produces_events_and_reads_the_anomaly(
    kcat: str, kafka_bootstrap: str, worker: WorkerProcess
) -> None:
    metrics_topic, anomalies_topic = worker.topics["metrics"], worker.topics["anomalies"]
    events = list(pool_events("0xkcat", 730, seed=3, spikes=frozenset({710})))
    lines = b"".join(event.series_key.encode() + b"\t" + encode(event) + b"\n" for event in events)
    # lz4, as many librdkafka producers send it: the worker must read compressed batches.
    subprocess.run(
        [kcat, "-b", kafka_bootstrap, "-t", metrics_topic, "-P", "-K", "\t", "-z", "lz4"],
        input=lines,
        check=True,
        timeout=60,
    )
    wait_for(
        lambda: worker.metric("dexwatch_events_scored_total") >= len(events),
        90,
        "the worker to score what kcat produced",
    )
    consumed = subprocess.run(
        [kcat, "-b", kafka_bootstrap, "-t", anomalies_topic, "-C", "-o", "beginning", "-c", "1"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    anomaly = decode(AnomalyEvent, consumed.stdout.strip())
    assert anomaly.dimensions["pool"] == "0xkcat"
    assert anomaly.interval_start == START + 710 * STEP
