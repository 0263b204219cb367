"""How much history `dexwatch connect thegraph` sends on a first run, from the worker's datasets.

A dataset names the history its models need (`backfill`, by default `detector.warmup`
intervals: docs/priming.md); the connector backfills the longest any dataset reading its topics
asks for, so that the first live point is judged by a model that has seen enough.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dexwatch.connectors.thegraph.settings import TheGraphSettings, load_settings
from dexwatch.streams.datasets import DatasetConfig, load_datasets
from dexwatch.streams.settings_loading import environment_values

__all__ = [
    "MAX_BACKFILL_HOURS",
    "MAX_TRANSACTIONS_BACKFILL_S",
    "backfill_for",
    "with_dataset_backfill",
]

_LOG = logging.getLogger("dexwatch.connectors.thegraph")

MAX_BACKFILL_HOURS = 24 * 90  # the connector's limit (`TheGraphSettings.backfill_hours`)
MAX_TRANSACTIONS_BACKFILL_S = 86_400 * 7


def backfill_for(
    datasets: Sequence[DatasetConfig], metrics_topic: str, transactions_topic: str
) -> dict[str, int]:
    """The connector settings (`backfill_hours`, `transactions_backfill_s`) that give every
    dataset reading `metrics_topic` or `transactions_topic` its backfill, capped at the
    connector's limits; a topic no dataset reads keeps the connector's default."""
    wanted: dict[str, int] = {}
    for dataset in datasets:
        seconds = dataset.backfill_seconds
        if seconds is None:
            continue
        topic = dataset.source.topic
        if topic == metrics_topic and dataset.source.format == "metric_event":
            hours = min(math.ceil(seconds / 3600), MAX_BACKFILL_HOURS)
            wanted["backfill_hours"] = max(wanted.get("backfill_hours", 0), hours)
        elif topic == transactions_topic and dataset.source.format == "dex_transaction":
            capped = min(seconds, MAX_TRANSACTIONS_BACKFILL_S)
            wanted["transactions_backfill_s"] = max(
                wanted.get("transactions_backfill_s", 0), capped
            )
    return wanted


def with_dataset_backfill(
    settings: TheGraphSettings, path: Path, values: dict[str, Any]
) -> TheGraphSettings:
    """`settings` with the backfill the datasets at `path` need on the connector's topics,
    where neither a flag nor `DEXWATCH_THEGRAPH_*` set it."""
    wanted = backfill_for(load_datasets(path), settings.metrics_topic, settings.transactions_topic)
    taken = {
        name: value
        for name, value in wanted.items()
        if name not in values and name not in environment_values(TheGraphSettings)
    }
    if not taken:
        return settings
    _LOG.info("backfill on a first run, as the datasets in %s need: %s", path, taken)
    return load_settings(**(values | taken))
