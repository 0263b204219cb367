"""`dexwatch connect thegraph`: poll a DEX subgraph on The Graph and publish to Kafka."""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import re
from pathlib import Path
from typing import Any

from prometheus_client import start_http_server

from dexwatch.cli.arguments import (
    add_bootstrap_servers,
    existing_path,
    int_between,
    positive_float,
)
from dexwatch.cli.connect_backfill import MAX_BACKFILL_HOURS, with_dataset_backfill
from dexwatch.connectors.thegraph import (
    KafkaRecordSink,
    TheGraphConnector,
    TheGraphMetrics,
    load_settings,
)
from dexwatch.connectors.thegraph.settings import TheGraphSettings
from dexwatch.messaging.topic_names import DEFAULT_TOPICS
from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.datasets.durations import parse_duration
from dexwatch.streams.settings import WorkerSettings
from dexwatch.streams.settings_loading import environment_values

__all__ = ["register", "run_thegraph"]

_LOG = logging.getLogger("dexwatch.connectors.thegraph")

_DELIVERY_TIMEOUT_MS = 30_000
_POOL = re.compile(r"0x[0-9a-fA-F]{1,64}")


def register(parser: argparse.ArgumentParser) -> None:
    """Add the `connect` command and its `thegraph` source."""
    parser.description = "Publish metrics from an outside source to Kafka."
    sources = parser.add_subparsers(dest="source", metavar="SOURCE", required=True)
    thegraph = sources.add_parser(
        "thegraph",
        help="DEX pools and transactions from a subgraph on The Graph",
        description=(
            "Poll a DEX subgraph (Uniswap/SushiSwap, v3 or v2 schema) on The Graph: hourly pool "
            "metrics once each hour is final, per-poll pool snapshot deltas, and swaps, mints "
            "and burns; produce them to Kafka. The API key comes from --api-key-file or "
            "$DEXWATCH_THEGRAPH_API_KEY and is never logged. See docs/thegraph-connector.md."
        ),
    )
    thegraph.add_argument(
        "--endpoint",
        metavar="URL",
        help="the subgraph's URL, e.g. https://gateway.thegraph.com/api/subgraphs/id/<ID> "
        "(default: $DEXWATCH_THEGRAPH_ENDPOINT)",
    )
    thegraph.add_argument(
        "--api-key-file", type=Path, default=None, metavar="FILE", help="file holding the API key"
    )
    thegraph.add_argument(
        "--schema",
        dest="schema_version",
        choices=["v3", "v2"],
        default=None,
        help="the subgraph's schema: v3 (Uniswap/SushiSwap v3) or v2 (default: v3)",
    )
    thegraph.add_argument("--dex", default=None, help="the dex dimension (default: uniswap-v3)")
    thegraph.add_argument("--chain", default=None, help="the chain dimension (default: ethereum)")
    which = thegraph.add_mutually_exclusive_group()
    which.add_argument(
        "--pools", type=_pool_list, default=None, metavar="A,B", help="pool addresses to watch"
    )
    which.add_argument(
        "--top-pools",
        type=int_between(1, 1000),
        default=None,
        metavar="N",
        help="watch the N pools with the most value locked (refreshed hourly)",
    )
    add_bootstrap_servers(thegraph)
    thegraph.add_argument(
        "--topic",
        dest="metrics_topic",
        help="topic for pool metric events (default: $DEXWATCH_THEGRAPH_METRICS_TOPIC, "
        f"$DEXWATCH_METRICS_TOPIC or {DEFAULT_TOPICS.metrics})",
    )
    thegraph.add_argument(
        "--transactions-topic",
        default=None,
        help="topic for swaps, mints and burns (default: $DEXWATCH_THEGRAPH_TRANSACTIONS_TOPIC, "
        f"$DEXWATCH_DEX_TRANSACTIONS_TOPIC or {DEFAULT_TOPICS.dex_transactions})",
    )
    thegraph.add_argument(
        "--dead-letter-topic",
        default=None,
        help="topic for refused upstream rows (default: $DEXWATCH_THEGRAPH_DEAD_LETTER_TOPIC, "
        f"$DEXWATCH_DEAD_LETTER_TOPIC or {DEFAULT_TOPICS.dead_letter})",
    )
    thegraph.add_argument(
        "--no-transactions",
        dest="transactions",
        action="store_false",
        default=None,
        help="read pools only, no swaps, mints or burns",
    )
    thegraph.add_argument(
        "--checkpoint",
        dest="checkpoint_path",
        type=Path,
        default=None,
        metavar="FILE",
        help="where progress is kept (default: .dexwatch/thegraph-checkpoint.json)",
    )
    thegraph.add_argument(
        "--interval",
        dest="interval_s",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="seconds between polls (default: 300)",
    )
    thegraph.add_argument(
        "--queries-per-month",
        type=int_between(1, None),
        default=None,
        metavar="N",
        help="stop before spending more than N queries a month (default: 100000)",
    )
    history = thegraph.add_mutually_exclusive_group()
    history.add_argument(
        "--backfill-hours",
        type=int_between(0, MAX_BACKFILL_HOURS),
        default=None,
        metavar="N",
        help="hours of history to emit on the first run (default: what --datasets need, "
        "else 336: the shipped hourly dataset's 14d)",
    )
    history.add_argument(
        "--backfill",
        type=_backfill_hours,
        dest="backfill_hours",
        metavar="DURATION",
        help="--backfill-hours as a duration, e.g. 14d",
    )
    thegraph.add_argument(
        "--datasets",
        type=existing_path,
        metavar="PATH",
        help="the worker's datasets (YAML file or folder; default: $DEXWATCH_DATASETS): the "
        "first run backfills the longest history those reading its topics need (docs/priming.md)",
    )
    thegraph.add_argument(
        "--metrics-port",
        type=int_between(1, 65535),
        default=None,
        metavar="PORT",
        help="serve Prometheus metrics on this port (default: not served)",
    )
    thegraph.add_argument("--once", action="store_true", help="poll once, then exit")
    thegraph.set_defaults(handler=run_thegraph)


_SETTING_ARGUMENTS = (
    "endpoint",
    "api_key_file",
    "schema_version",
    "dex",
    "chain",
    "pools",
    "top_pools",
    "bootstrap_servers",
    "metrics_topic",
    "transactions_topic",
    "dead_letter_topic",
    "transactions",
    "checkpoint_path",
    "interval_s",
    "queries_per_month",
    "backfill_hours",
)


def run_thegraph(args: argparse.Namespace) -> int:
    """Poll once (`--once`) or until Ctrl-C."""
    values: dict[str, Any] = {
        name: getattr(args, name) for name in _SETTING_ARGUMENTS if getattr(args, name) is not None
    }
    environment = environment_values(TheGraphSettings)
    if "endpoint" not in values | environment:
        raise ConfigError(
            "expected --endpoint URL (or $DEXWATCH_THEGRAPH_ENDPOINT): the subgraph's URL, e.g. "
            "https://gateway.thegraph.com/api/subgraphs/id/<SUBGRAPH_ID>"
        )
    if not {"pools", "top_pools"} & (values | environment).keys():
        raise ConfigError("expected --pools A,B (pool addresses) or --top-pools N")
    settings = load_settings(**values)
    # The worker's datasets (`DEXWATCH_DATASETS`), when the flag does not name them.
    datasets = args.datasets or environment_values(WorkerSettings).get("datasets")
    if datasets:
        settings = with_dataset_backfill(settings, Path(datasets), values)
    metrics = TheGraphMetrics()
    if args.metrics_port is not None:
        start_http_server(args.metrics_port, registry=metrics.registry)
    _LOG.info(
        "reading %s (%s schema, %s on %s), %s; metrics to %s at %s",
        settings.safe_endpoint,
        settings.schema_version,
        settings.dex,
        settings.chain,
        f"pools {', '.join(settings.pools)}"
        if settings.pools
        else f"the top {settings.top_pools} pools",
        settings.metrics_topic,
        settings.bootstrap_servers,
    )
    sink = KafkaRecordSink(
        settings.bootstrap_servers,
        metrics,
        extra_config={"message.timeout.ms": _DELIVERY_TIMEOUT_MS},
    )
    asyncio.run(_connect(settings, sink, metrics, once=args.once))
    return 0


async def _connect(
    settings: TheGraphSettings, sink: KafkaRecordSink, metrics: TheGraphMetrics, *, once: bool
) -> None:
    async with TheGraphConnector(settings, sink=sink, metrics=metrics) as connector:
        if once:
            await connector.poll_once()
        else:
            await connector.run_forever()


def _backfill_hours(text: str) -> int:
    try:
        seconds = parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    hours = math.ceil(seconds / 3600)
    if hours > MAX_BACKFILL_HOURS:
        raise argparse.ArgumentTypeError(
            f"expected at most {MAX_BACKFILL_HOURS // 24}d, got {text!r}"
        )
    return hours


def _pool_list(text: str) -> tuple[str, ...]:
    pools = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [pool for pool in pools if not _POOL.fullmatch(pool)]
    if not pools or bad:
        shown = repr(bad[0]) if bad else repr(text)
        raise argparse.ArgumentTypeError(
            f"expected pool addresses separated by commas (0x88e6...,0x8ad5...), got {shown}"
        )
    return pools
