"""Running the configured sinks in one process: each its own consumer group, one HTTP session,
one dead-letter producer, one metrics registry. The first sink that fails stops them all."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from dexwatch.messaging import KafkaConnection, connection_for
from dexwatch.messaging.aiokafka_config import aiokafka_config
from dexwatch.schemas.errors import KafkaSetupError
from dexwatch.sinks.base import Sink
from dexwatch.sinks.config import SinkConfig, SinksConfig, SlackSinkConfig
from dexwatch.sinks.controls_reader import read_controls
from dexwatch.sinks.dead_letters import DeadLetterWriter
from dexwatch.sinks.delivered_ledger import DeliveredLedger
from dexwatch.sinks.metrics import SinkMetrics
from dexwatch.sinks.sink_consumer import SinkConsumer
from dexwatch.sinks.slack.slack_sink import SlackSink
from dexwatch.sinks.snooze_book import SnoozeBook
from dexwatch.sinks.webhook.webhook_sink import WebhookSink

__all__ = ["build_sink", "run_sinks"]

_LOG = logging.getLogger("dexwatch.sinks")
_HINT = (
    "start it with `dexwatch kafka start`, or set DEXWATCH_BOOTSTRAP_SERVERS; "
    "TLS and SASL: DEXWATCH_KAFKA__* (docs/kafka-connection.md)"
)


def build_sink(config: SinkConfig, session: aiohttp.ClientSession, timeout_s: float) -> Sink:
    if isinstance(config, SlackSinkConfig):
        return SlackSink(
            config.name,
            config.webhook_url,
            session,
            timeout_s=timeout_s,
            max_contributors=config.max_contributors,
        )
    return WebhookSink(config.name, config.url, config.secret, session, timeout_s=timeout_s)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka has no types
    def __init__(self, name: str) -> None:
        self.name = name
        self.sink_consumer: SinkConsumer | None = None

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        if self.sink_consumer is not None:
            await self.sink_consumer.revoke(revoked)

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        shown = ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(assigned))
        _LOG.info("sink %s: reading %s", self.name, shown or "no partitions (others have them)")


async def run_sinks(config: SinksConfig, stop: asyncio.Event, metrics: SinkMetrics) -> None:
    """Run every sink of `config` until `stop` is set or one of them fails."""
    connection = connection_for(config.bootstrap_servers)  # TLS and SASL: DEXWATCH_KAFKA__*
    async with aiohttp.ClientSession() as session, contextlib.AsyncExitStack() as stack:
        producer = AIOKafkaProducer(
            **aiokafka_config(connection),
            client_id="dexwatch-sinks",
            acks="all",
            enable_idempotence=True,
        )
        await _started(producer, connection)
        stack.push_async_callback(producer.stop)
        dead_letters = DeadLetterWriter(producer, config.dead_letter_topic)
        snoozes = SnoozeBook()
        controls = AIOKafkaConsumer(
            **aiokafka_config(connection), client_id="dexwatch-sinks-controls", group_id=None
        )
        await _started(controls, connection)
        stack.push_async_callback(controls.stop)
        caught_up = asyncio.Event()
        reading = asyncio.create_task(
            read_controls(
                controls, config.incident_controls_topic, snoozes, caught_up, stop, metrics
            ),
            name="sinks: incident controls",
        )
        waiting = asyncio.create_task(caught_up.wait())
        await asyncio.wait([reading, waiting], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if reading.done() and not caught_up.is_set():  # it failed (or `stop` came first)
            reading.result()
            return
        runs = []
        for sink_config in config.sinks:
            ledger = stack.enter_context(DeliveredLedger(config.ledger_path(sink_config)))
            runs.append(
                _run_one(
                    config,
                    connection,
                    sink_config,
                    session,
                    dead_letters,
                    ledger,
                    metrics,
                    stop,
                    snoozes,
                )
            )
        tasks = [asyncio.create_task(run) for run in runs] + [reading]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()


async def _run_one(
    config: SinksConfig,
    connection: KafkaConnection,
    sink_config: SinkConfig,
    session: aiohttp.ClientSession,
    dead_letters: DeadLetterWriter,
    ledger: DeliveredLedger,
    metrics: SinkMetrics,
    stop: asyncio.Event,
    snoozes: SnoozeBook,
) -> None:
    policy = config.policy(sink_config)
    sink = build_sink(sink_config, session, policy.request_timeout_s)
    session_timeout_ms = int(config.session_timeout_s * 1000)
    consumer = AIOKafkaConsumer(
        **aiokafka_config(connection),
        group_id=config.group_id(sink_config),
        client_id=f"dexwatch-sink-{sink_config.name}",
        enable_auto_commit=False,
        auto_offset_reset=config.start_from,
        isolation_level="read_committed",
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(1000, session_timeout_ms // 3),
    )
    listener = _Rebalance(sink_config.name)
    consumer.subscribe([config.alerts_topic], listener=listener)
    _LOG.info(
        "sink %s (%s, group %s): alerts from %s to %s; dead letters to %s",
        sink_config.name,
        sink.kind,
        config.group_id(sink_config),
        config.alerts_topic,
        sink.target,
        config.dead_letter_topic,
    )
    await _started(consumer, connection)
    try:
        listener.sink_consumer = SinkConsumer(
            sink,
            consumer,
            incident_filter=sink_config.filter,
            policy=policy,
            dead_letters=dead_letters,
            ledger=ledger,
            metrics=metrics,
            snoozes=snoozes,
        )
        await listener.sink_consumer.run(stop)
    finally:
        await consumer.stop()


async def _started(
    client: AIOKafkaConsumer | AIOKafkaProducer, connection: KafkaConnection
) -> None:
    try:
        await client.start()
    except KafkaError as error:
        raise KafkaSetupError(
            f"cannot reach Kafka at {connection.describe()}: {error}", _HINT
        ) from error
