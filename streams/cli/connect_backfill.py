"""How much history `dexwatch connect thegraph` sends on a first run, from the worker's datasets.

A dataset names the history its models need (`backfill`, by default `detector.warmup`
intervals: docs/priming.md); the connector backfills the longest any dataset reading its topics
asks for, so that the first live point is judged by a model that has seen enough.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from streams.datasets import DatasetConfig

__all__ = ["MAX_BACKFILL_HOURS", "MAX_TRANSACTIONS_BACKFILL_S", "backfill_for"]

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
