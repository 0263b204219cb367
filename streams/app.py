"""The faust application: one agent over the metrics topic, and `/metrics` on the web port."""

from __future__ import annotations

from typing import Any

import faust
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.metric_event_handler import ConsumedRecord, MetricEventHandler
from streams.metrics import WorkerMetrics
from streams.settings import WorkerSettings

__all__ = ["create_app"]


def create_app(settings: WorkerSettings, metrics: WorkerMetrics | None = None) -> faust.App:
    metrics = metrics or WorkerMetrics()
    handler = MetricEventHandler(settings, metrics)
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
    metrics_topic = app.topic(settings.metrics_topic, key_type=bytes, value_type=bytes)
    output_topics = {
        name: app.topic(name, key_type=bytes, value_type=bytes)
        for name in (settings.anomalies_topic, settings.dead_letter_topic)
    }

    async def score_metric_events(stream: Any) -> None:
        # concurrency stays 1: with more, faust can commit past an unfinished message.
        async for event in stream.events():
            message = event.message
            consumed = ConsumedRecord(
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                key=message.key,
                value=message.value,
            )
            for output in handler.handle(consumed):
                await output_topics[output.topic].send(key=output.key, value=output.value)

    app.agent(metrics_topic, name="score-metric-events")(score_metric_events)

    async def prometheus_metrics(web: Any, request: Any) -> Any:
        # As a header: aiohttp refuses a charset inside its `content_type` argument.
        return web.bytes(
            generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app.page("/metrics")(prometheus_metrics)
    return app
