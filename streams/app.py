"""The faust application: one agent over the datasets' topics, and `/metrics` on the web port.

The agent takes records in batches (`take_events`): a batch's closed intervals are scored in
one compiled call per series bank, and faust acknowledges the batch's offsets only after its
outputs have been handed to the producer, so a crash replays rather than loses.
"""

from __future__ import annotations

from typing import Any

import faust
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.metric_event_handler import ConsumedRecord, MetricEventHandler
from streams.metrics import WorkerMetrics
from streams.settings import WorkerSettings

__all__ = ["create_app"]


BATCH_RECORDS = 1000
BATCH_WAIT_S = 0.02  # at low rates, latency: a lone record waits at most this long


def create_app(
    settings: WorkerSettings,
    metrics: WorkerMetrics | None = None,
    handler: MetricEventHandler | None = None,
) -> faust.App:
    metrics = metrics or (handler.metrics if handler is not None else WorkerMetrics())
    handler = handler or MetricEventHandler(settings, metrics)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=settings.faust_broker_url,
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.topic_partitions,
        datadir=str(settings.data_dir),
        web_bind=settings.web_bind,
        web_port=settings.web_port,
        web_host=settings.web_bind,
        autodiscover=False,
        store="memory://",
    )
    input_topics = app.topic(*handler.topics, key_type=bytes, value_type=bytes)
    output_topics = {
        name: app.topic(name, key_type=bytes, value_type=bytes)
        for name in (settings.anomalies_topic, settings.dead_letter_topic)
    }

    async def score_metric_events(stream: Any) -> None:
        # concurrency stays 1: with more, faust can commit past an unfinished message.
        async for events in stream.take_events(BATCH_RECORDS, within=BATCH_WAIT_S):
            consumed = [
                ConsumedRecord(
                    topic=event.message.topic,
                    partition=event.message.partition,
                    offset=event.message.offset,
                    key=event.message.key,
                    value=event.message.value,
                )
                for event in events
            ]
            for output in handler.handle_batch(consumed):
                await output_topics[output.topic].send(key=output.key, value=output.value)

    app.agent(input_topics, name="score-metric-events")(score_metric_events)

    async def prometheus_metrics(web: Any, request: Any) -> Any:
        # As a header: aiohttp refuses a charset inside its `content_type` argument.
        return web.bytes(
            generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app.page("/metrics")(prometheus_metrics)
    return app
