"""`dexwatch sink`: deliver incidents from the alerts topic to Slack and to webhooks."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path
from typing import Any

from prometheus_client import start_http_server

from dexwatch.cli.arguments import existing_file, int_between
from dexwatch.messaging.kafka_settings import KafkaSettings
from dexwatch.messaging.topic_names import DEFAULT_TOPICS
from dexwatch.messaging.topics import ensure_topics
from dexwatch.schemas.errors import ConfigError
from dexwatch.sinks.config import SinksConfig, load_sinks_config
from dexwatch.sinks.metrics import SinkMetrics
from dexwatch.sinks.runner import run_sinks
from dexwatch.sinks.slack.default_webhook import SLACK_URL_ENV, DefaultSlackWebhook
from dexwatch.streams.settings_loading import load_settings

__all__ = ["register"]

_LOG = logging.getLogger("dexwatch.sinks")


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Read incidents from the alerts topic and deliver them: to Slack incoming "
        "webhooks and to signed HTTP webhooks, each sink its own consumer group, retried with "
        "backoff, dead-lettered when refused, never sent twice as two. Sinks come from "
        f"--config FILE (see deploy/sinks.yaml and docs/sinks.md); without it, one Slack sink "
        f"whose webhook URL is in --slack-webhook-url-file or ${SLACK_URL_ENV}."
    )
    parser.add_argument(
        "--config", type=existing_file, metavar="FILE", help="the sinks' YAML configuration"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this configured sink (repeatable; default: all of them)",
    )
    parser.add_argument(
        "--slack-webhook-url-file",
        type=existing_file,
        metavar="FILE",
        help=f"without --config: a file holding the Slack webhook URL (or ${SLACK_URL_ENV})",
    )
    parser.add_argument(
        "--bootstrap-servers",
        help="Kafka host:port[,...] (default: the file's, $DEXWATCH_BOOTSTRAP_SERVERS, "
        "or 127.0.0.1:9092)",
    )
    parser.add_argument(
        "--alerts-topic",
        help=f"default: the file's, $DEXWATCH_ALERTS_TOPIC or {DEFAULT_TOPICS.alerts}",
    )
    parser.add_argument(
        "--dead-letter-topic",
        help="default: the file's, $DEXWATCH_SINK_DEAD_LETTER_TOPIC or "
        f"{DEFAULT_TOPICS.sink_dead_letter}",
    )
    parser.add_argument("--data-dir", type=Path, help="where ledgers live (.dexwatch/sinks)")
    parser.add_argument(
        "--metrics-port",
        type=int_between(0, 65535),
        metavar="PORT",
        help="serve Prometheus metrics on this port, 0 for none (default: 6067)",
    )
    parser.set_defaults(handler=_run)


def _settings(args: argparse.Namespace) -> SinksConfig:
    overrides: dict[str, Any] = {
        "bootstrap_servers": args.bootstrap_servers,
        "alerts_topic": args.alerts_topic,
        "dead_letter_topic": args.dead_letter_topic,
        "data_dir": args.data_dir,
        "metrics_port": args.metrics_port,
    }
    kafka = load_settings(KafkaSettings)
    defaults = {  # under the file's values: the environment's
        "bootstrap_servers": kafka.bootstrap_servers,
        "alerts_topic": kafka.topics.alerts,
        "dead_letter_topic": kafka.topics.sink_dead_letter,
        "incident_controls_topic": kafka.topics.incident_controls,
    }
    if args.config is None:
        if args.slack_webhook_url_file is not None:
            slack = {"name": "slack", "webhook_url_file": args.slack_webhook_url_file}
        elif DefaultSlackWebhook().is_set:
            slack = {"name": "slack", "webhook_url_env": SLACK_URL_ENV}
        else:
            raise ConfigError(
                "expected --config FILE (see deploy/sinks.yaml), or a Slack webhook URL in "
                f"--slack-webhook-url-file FILE or ${SLACK_URL_ENV}"
            )
        overrides["slack"] = [slack]
    config = load_sinks_config(args.config, overrides=overrides, defaults=defaults)
    return config.only(args.only) if args.only else config


def _run(args: argparse.Namespace) -> int:
    config = _settings(args)
    ensure_topics(
        config.bootstrap_servers,
        [config.alerts_topic, config.dead_letter_topic],
        config.topic_partitions,
        compacted=[config.incident_controls_topic],  # snoozes from the console
    )
    metrics = SinkMetrics()
    if config.metrics_port:
        try:
            start_http_server(config.metrics_port, config.metrics_bind, registry=metrics.registry)
        except OSError as error:
            raise ConfigError(
                f"metrics_port: cannot serve on {config.metrics_bind}:{config.metrics_port} "
                f"({error.strerror}); choose another with --metrics-port, or 0 for none"
            ) from error
        _LOG.info("sink metrics on http://%s:%d/metrics", config.metrics_bind, config.metrics_port)
    asyncio.run(_serve(config, metrics))
    return 0


async def _serve(config: SinksConfig, metrics: SinkMetrics) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await run_sinks(config, stop, metrics)
    _LOG.info("sinks stopped; alerts not yet committed are read again at the next start")
