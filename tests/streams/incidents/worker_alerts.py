"""A worker process with one dataset and its own alerts and feedback topics, for the broker
tests of incidents, and a reader of the incident versions it sends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from confluent_kafka import Message

from dexwatch.connectors.dex_simulator import DexMarketSimulator
from dexwatch.schemas import IncidentEvent, decode, encode
from tests.support.kafka_helpers import ProducedRecord, consume_until, create_topic, free_port
from tests.support.worker_process import WorkerProcess

__all__ = ["TOPIC_KINDS", "incidents_on", "simulated_records", "start_worker"]

TOPIC_KINDS = ("anomalies", "dead_letter", "model_actions", "alerts", "feedback", "scores")


def start_worker(
    bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    datasets_yaml: str,
) -> tuple[WorkerProcess, str]:
    """A serving worker on fresh topics, publishing incident links to its own web port;
    `datasets_yaml` is formatted with `source=` the fresh metrics topic, which is returned with
    the worker."""
    topics = {kind: unique_name(kind.replace("_", "-")) for kind in TOPIC_KINDS}
    source = unique_name("metrics")
    for topic in (*topics.values(), source):
        create_topic(bootstrap, topic)
    datasets = tmp_path / "datasets.yaml"
    datasets.write_text(datasets_yaml.format(source=source))
    port = free_port()
    worker = WorkerProcess(
        bootstrap,
        unique_name("app"),
        topics,
        tmp_path / "worker",
        {"DEXWATCH_DATASETS": str(datasets), "DEXWATCH_PUBLIC_URL": f"http://127.0.0.1:{port}"},
        web_port=port,
    )
    try:
        worker.wait_until_serving()
    except BaseException:
        worker.stop()
        raise
    return worker, source


def incidents_on(
    bootstrap: str,
    topic: str,
    done: Callable[[list[IncidentEvent]], bool],
    timeout_s: float,
) -> list[IncidentEvent]:
    """Every incident version on `topic` from the start, until `done(versions)` or timeout."""

    def decoded(messages: list[Message]) -> list[IncidentEvent]:
        return [decode(IncidentEvent, message.value() or b"") for message in messages]

    messages = consume_until(bootstrap, topic, lambda found: done(decoded(found)), timeout_s)
    return decoded(messages)


def simulated_records(simulator: DexMarketSimulator, steps: int) -> list[ProducedRecord]:
    """The simulator's first `steps` steps, all to partition 0: a backlog read from several at
    once would skew event time past the allowed lateness, and intervals would close before all
    their events were read."""
    return [
        ProducedRecord(event.series_key.encode(), encode(event), partition=0)
        for step in simulator.steps(steps)
        for event in step
    ]
