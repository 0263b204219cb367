"""Incidents in the faust worker: three agents, a table and a timer.

- `incident-intake` reads the anomalies topic and `feedback-intake` the feedback topic; each
  forwards the records of the datasets with alerting to the internal inputs topic
  (`incident_inputs_topic`), keyed by dataset, the kind in a header. faust's own producer
  partitions it, so a dataset's anomalies, feedback and ticks meet in one partition, in order,
  whatever partitioner wrote the source topics (the feedback command uses librdkafka's).
- `incidents` reads the inputs topic and runs each record through `IncidentRunner` with the
  dataset's state from the `incident-state` table (changelog-backed, one record per dataset,
  written only when it changed), then sends the incident versions to the alerts topic (key:
  the incident id). Versions are sent before the state is written: after a crash the input is
  read again and the same version is sent again, which sinks drop by its idempotency key.
- A timer (every `TICK_S`) sends ticks: a table can only be written from inside the agent's
  stream, so time-driven work (the group wait, resolutions) reaches the agent as input.

Why not a GlobalTable for feedback: in faust-streaming, global tables are known to stay
incomplete on some workers of a group (faust-streaming/faust#283); feedback keyed by dataset
into the same partition as the dataset's anomalies needs no table of its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from schemas.codec import encode
from streams.datasets.dataset_config import DatasetConfig
from streams.incidents.incident_inputs import (
    STATE_TABLE,
    InputKind,
    incident_inputs_topic,
    input_headers,
    input_kind,
)
from streams.incidents.incident_runner import IncidentRunner
from streams.incidents.recent_incidents import RecentIncidents, with_link
from streams.metrics import WorkerMetrics
from streams.settings import WorkerSettings

__all__ = ["TICK_S", "install_incidents"]

log = logging.getLogger(__name__)

TICK_S = 0.5

Watermarks = Callable[[], Mapping[str, datetime | None]]


def install_incidents(
    app: Any,
    settings: WorkerSettings,
    metrics: WorkerMetrics,
    datasets: Sequence[DatasetConfig],
    watermarks: Watermarks,
) -> IncidentRunner | None:
    """Add the incident agents, table and timer to `app` (before it starts). None when no
    dataset has alerting enabled."""
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
    alerts = app.topic(settings.alerts_topic, key_type=bytes, value_type=bytes)
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
        (settings.anomalies_topic, "anomaly", "incident-intake"),
        (settings.feedback_topic, "feedback", "feedback-intake"),
    )
    for topic, kind, agent in sources:
        source = app.topic(topic, key_type=bytes, value_type=bytes)
        app.agent(source, name=agent)(intake(kind))

    async def incidents(stream: Any) -> None:
        async for event in stream.events():
            key = bytes(event.key or b"")
            try:
                handled = runner.handle(
                    key.decode(errors="replace"),
                    input_kind(event.message.headers),
                    bytes(event.value),
                    table.get(key),
                    event.message.partition,
                    time.time(),
                )
                for incident in handled.events:
                    incident = with_link(incident, settings.public_url)
                    await alerts.send(key=incident.incident_id.encode(), value=encode(incident))
                    recent.add(incident)
                if handled.state is not None:
                    table[key] = handled.state
            except Exception:  # one bad input must not stop every dataset's incidents
                # The held state may be ahead of the table: start again from the table.
                runner.discard(key.decode(errors="replace"))
                log.exception(
                    "incident input %r of partition %d failed and is dropped; the dataset's "
                    "incidents go on from their last stored state",
                    key,
                    event.message.partition,
                )

    app.agent(inputs, name="incidents")(incidents)

    async def incident_page(web: Any, request: Any, incident_id: str) -> Any:
        incident = recent.get(incident_id)
        if incident is None:
            return web.json(
                {
                    "error": f"incident {incident_id} is not among the recent incidents of this "
                    "worker: it may be older, or its dataset is now served by another worker "
                    f"(read it from {settings.alerts_topic}: `dexwatch tail --alerts "
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

    async def revoked(_sender: Any, revoked: set[Any], **_kwargs: Any) -> None:
        runner.revoked({tp.partition for tp in revoked if tp.topic == inputs_name})

    async def assigned(_sender: Any, assigned: set[Any], **_kwargs: Any) -> None:
        runner.broadcast_soon()

    app.on_partitions_revoked.connect(revoked)
    app.on_partitions_assigned.connect(assigned)
    log.info(
        "incidents for datasets %s: %s -> %s (feedback from %s)",
        ", ".join(runner.datasets),
        settings.anomalies_topic,
        settings.alerts_topic,
        settings.feedback_topic,
    )
    return runner


def _dataset_of(value: Any) -> str:
    """The `dataset` field of an anomaly or feedback record ('' when it has none)."""
    try:
        document = orjson.loads(value)
    except (orjson.JSONDecodeError, TypeError):
        return ""
    name = document.get("dataset") if isinstance(document, dict) else None
    return name if isinstance(name, str) else ""
