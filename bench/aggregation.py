"""The interval aggregator alone: events per second and what it holds, live and in a backfill.

    python -m bench.aggregation [--series 10000] [--minutes 60] [--backfill-hours 200]

- live: `--series` series each send one event a minute, in time order across series (as a
  live stream does), for `--minutes` minutes, into a 1-minute dataset (allowed lateness 1m).
- backfill: `--series` / 10 series each send `--backfill-hours` hourly points, one series
  after the other, the series with the newest hour first (as a connector's backfill does),
  into an hourly dataset; then every interval is flushed.

Prints events/s of `add()` (one core, no Kafka, no model), the events late, the intervals
closed, the most open buckets at any check and the commit holds' bookkeeping at the end.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from dexwatch.streams.aggregation import IntervalAggregator, SourcePosition
from dexwatch.streams.datasets import DatasetConfig

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def _dataset(interval: str, lateness: str) -> DatasetConfig:
    return DatasetConfig.model_validate(
        {
            "name": "bench",
            "source": {"topic": "metrics"},
            "dimensions": ["pool"],
            "measures": [
                {"name": "volume", "aggregation": "sum"},
                {"name": "tvl", "aggregation": "last"},
            ],
            "interval": interval,
            "allowed_lateness": lateness,
        }
    )


def _run(
    name: str, aggregator: IntervalAggregator, events: list[tuple[str, datetime]], check: int
) -> None:
    values = {"volume": 1.0, "tvl": 2.0}
    dimensions: dict[str, dict[str, str]] = {}
    most_open = 0
    started = time.perf_counter()
    for offset, (series, when) in enumerate(events):
        dims = dimensions.get(series)
        if dims is None:
            dims = dimensions[series] = {"pool": series}
        aggregator.add(series, dims, when, values, SourcePosition("metrics", offset % 8, offset))
        if offset % check == 0:
            most_open = max(most_open, aggregator.open_intervals)
            aggregator.first_open_offsets()  # as the worker asks after each batch
    aggregator.flush()
    seconds = time.perf_counter() - started
    counts = aggregator.counts
    print(
        f"{name}: {len(events):,} events in {seconds:.2f} s ({len(events) / seconds:,.0f}/s); "
        f"late {counts.late:,}, closed {counts.closed:,}, most open buckets {most_open:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--backfill-hours", type=int, default=200)
    args = parser.parse_args()

    live = [
        (f"pool={index}", T0 + timedelta(minutes=minute))
        for minute in range(args.minutes)
        for index in range(args.series)
    ]
    _run("live (1m intervals)", IntervalAggregator(_dataset("1m", "1m")), live, 1000)

    pools = max(1, args.series // 10)
    newest = T0 + timedelta(hours=args.backfill_hours)
    backfill = [
        (f"pool={index}", newest - timedelta(hours=index % 3 + args.backfill_hours - 1 - hour))
        for index in range(pools)
        for hour in range(args.backfill_hours)
    ]
    hourly = IntervalAggregator(_dataset("1h", "1h"))
    _run("backfill (hourly, pool after pool)", hourly, backfill, 1000)


if __name__ == "__main__":
    main()
