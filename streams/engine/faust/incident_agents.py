"""Incidents in the faust worker: three agents, a table and a timer.

- `incident-intake` reads the anomalies topic and `feedback-intake` the feedback topic; each
  forwards the records of the datasets with alerting to the internal inputs topic
  (`incident_inputs_topic`), keyed by dataset, the kind in a header. faust's own producer
  partitions it, so a dataset's anomalies, feedback and ticks meet in one partition, in order,
  whatever partitioner wrote the source topics (the feedback command uses librdkafka's).
- `incidents` reads the inputs topic in batches (`take_events`) and runs each record, a
  dataset's in their order, through `IncidentRunner` with the dataset's state from the
  `incident-state` table (changelog-backed, one record per dataset), sending the incident
  versions to the alerts topic (key: the incident id) as they come; then it writes each
  dataset's state once per batch, and only when more than its clock changed: a burst costs one
  encode and one changelog record per batch, not per input. Versions are sent before the state
  is written and faust acks the batch after both: after a crash the batch is read again and
  the same versions are sent again, which sinks drop by their idempotency key.
- A timer (every `TICK_S`) sends ticks: a table can only be written from inside the agent's
  stream, so time-driven work (the group wait, resolutions) reaches the agent as input.

Why not a GlobalTable for feedback: in faust-streaming, global tables are known to stay
incomplete on some workers of a group (faust-streaming/faust#283); feedback keyed by dataset
into the same partition as the dataset's anomalies needs no table of its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from faust.streams import _current_event  # the context variable behind `current_event()`

from dexwatch.schemas.codec import encode
from dexwatch.streams.datasets.config import DatasetConfig
from dexwatch.streams.engine.base import RebalanceStep
from dexwatch.streams.incidents.inputs import (
    STATE_TABLE,
    InputKind,
    incident_inputs_topic,
    input_headers,
    input_kind,
)
from dexwatch.streams.incidents.recent_incidents import RecentIncidents, with_link
from dexwatch.streams.incidents.runner import IncidentRunner
from dexwatch.streams.intake.records import Partition
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings

__all__ = ["TICK_S", "IncidentSteps", "install_incidents"]

log = logging.getLogger(__name__)

TICK_S = 0.5
# Inputs taken at once: a dataset's state is encoded and written once per batch, not per input
# (a burst of 100,000 anomalies would otherwise encode and write a ~400 KB state 100,000 times).
BATCH_INPUTS = 1000
BATCH_WAIT_S = 0.05  # at low rates, latency: a lone input waits at most this long
CHUNK_INPUTS = 100  # inputs of one dataset applied between two yields to the event loop

Watermarks = Callable[[], Mapping[str, datetime | None]]


@dataclass(frozen=True, slots=True)
class IncidentSteps:
    """The incidents' rebalance steps: a revoked inputs partition's datasets are dropped (the
    next owner reads their state from the table); after an assignment, ticks go to all."""

    assigned: RebalanceStep
    revoked: RebalanceStep


def install_incidents(
    app: Any,
    settings: WorkerSettings,
    metrics: WorkerMetrics,
    datasets: Sequence[DatasetConfig],
    watermarks: Watermarks,
) -> IncidentSteps | None:
    """Add the incident agents, table and timer to `app` (before it starts); their
    rebalance steps, for the caller to place among the worker's. None when no dataset has
    alerting enabled."""
    runner = IncidentRunner(datasets, metrics)
    if not runner.datasets:
        return None
    recent = RecentIncidents()
    inputs_name = incident_inputs_topic(settings.app_id)
    inputs = app.topic(
        inputs_name,
        key_type=bytes,
        value_type=bytes,
        partitions=settings.topic_partitions,
        internal=True,  # faust creates it, with the table's partition count
    )
    alerts = app.topic(settings.topics.alerts, key_type=bytes, value_type=bytes)
    table = app.Table(
        STATE_TABLE,
        partitions=settings.topic_partitions,
        key_type=bytes,
        value_type=bytes,
        help="dexwatch incident state, one record per dataset",
    )

    def intake(kind: InputKind) -> Callable[[Any], Any]:
        async def forward(stream: Any) -> None:
            async for event in stream.events():
                name = _dataset_of(event.value)
                if name in runner.datasets:
                    await inputs.send(
                        key=name.encode(), value=event.value, headers=input_headers(kind)
                    )

        return forward

    sources: tuple[tuple[str, InputKind, str], ...] = (
        (settings.topics.anomalies, "anomaly", "incident-intake"),
        (settings.topics.feedback, "feedback", "feedback-intake"),
    )
    for topic, kind, agent in sources:
        source = app.topic(topic, key_type=bytes, value_type=bytes)
        app.agent(source, name=agent)(intake(kind))

    async def incidents(stream: Any) -> None:
        # concurrency stays 1: one writer per dataset, and faust acks a batch only after it.
        async for events in stream.take_events(BATCH_INPUTS, within=BATCH_WAIT_S):
            by_dataset: dict[bytes, list[Any]] = {}  # each dataset's inputs in their order
            for event in events:
                by_dataset.setdefault(bytes(event.key or b""), []).append(event)
            for key, of_dataset in by_dataset.items():
                await handle_dataset(key, of_dataset)
                await asyncio.sleep(0)  # the scoring agent and heartbeats run between datasets

    async def handle_dataset(key: bytes, events: list[Any]) -> None:
        """Apply a dataset's inputs of one batch, send their versions, then write its state
        once: the versions are sent before the state that counts them is written."""
        name = key.decode(errors="replace")
        with _as_current(events[0]):  # a store may read the partition of the current event
            stored = table.get(key)
        for index, event in enumerate(events, 1):
            partition = event.message.partition
            try:
                applied = runner.apply(
                    name,
                    input_kind(event.message.headers),
                    bytes(event.value),
                    stored,
                    partition,
                    time.time(),
                )
            except Exception:  # one bad input must not stop every dataset's incidents
                log.exception(
                    "incident input %r of partition %d failed and is dropped; the dataset's "
                    "incidents go on from the state before it",
                    key,
                    partition,
                )
                continue
            try:
                for incident in applied:
                    incident = with_link(incident, settings.public_url)
                    await alerts.send(key=incident.incident_id.encode(), value=encode(incident))
                    recent.add(incident)
            except Exception:
                # A version not sent must not be counted in the stored state: undo the input.
                runner.retract(name)
                log.exception("incident versions of %r could not be sent; input dropped", key)
            if index % CHUNK_INPUTS == 0:
                await asyncio.sleep(0)  # a long batch of one dataset must not starve the loop
        state = runner.settle(name, time.time())
        if state is not None:
            # faust writes a table on the partition of the current event, which a batch does
            # not set in this task: the dataset's last input (same partition) stands for it.
            with _as_current(events[-1]):
                table[key] = state

    app.agent(inputs, name="incidents")(incidents)

    async def incident_page(web: Any, request: Any, incident_id: str) -> Any:
        incident = recent.get(incident_id)
        if incident is None:
            return web.json(
                {
                    "error": f"incident {incident_id} is not among the recent incidents of this "
                    "worker: it may be older, or its dataset is now served by another worker "
                    f"(read it from {settings.topics.alerts}: `dexwatch tail --alerts "
                    "--from-beginning --json`)"
                },
                status=404,
            )
        return web.bytes(encode(incident), content_type="application/json")

    app.page("/incidents/{incident_id}")(incident_page)

    async def tick() -> None:
        for name, value in runner.due_ticks(watermarks(), time.monotonic()):
            await inputs.send(key=name.encode(), value=value, headers=input_headers("tick"))

    app.timer(TICK_S)(tick)

    async def revoked(partitions: set[Partition]) -> None:
        runner.revoked({partition for topic, partition in partitions if topic == inputs_name})

    async def assigned(_partitions: set[Partition]) -> None:
        runner.broadcast_soon()

    log.info(
        "incidents for datasets %s: %s -> %s (feedback from %s)",
        ", ".join(runner.datasets),
        settings.topics.anomalies,
        settings.topics.alerts,
        settings.topics.feedback,
    )
    return IncidentSteps(assigned=assigned, revoked=revoked)


@contextmanager
def _as_current(event: Any) -> Iterator[None]:
    """Make faust see `event` as the one being processed, for the duration."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def _dataset_of(value: Any) -> str:
    """The `dataset` field of an anomaly or feedback record ('' when it has none)."""
    try:
        document = orjson.loads(value)
    except (orjson.JSONDecodeError, TypeError):
        return ""
    name = document.get("dataset") if isinstance(document, dict) else None
    return name if isinstance(name, str) else ""
