"""The console's query latency with 100,000 series stored, and its ingest rate from the topics.

    python -m bench.console [--series 100000] [--requests 300] [--ingest-records 200000]

Queries: the store is filled through the console's own write path (`ConsoleStore.apply`, no
broker): `--series` series with `--points` points each, one series of `--long-points` points,
an anomaly per series and an incident per 10 series; then each query is asked `--requests`
times over real HTTP (aiohttp client to the console's app on a local port) and its p50 / p99
printed. Ingest: `--ingest-records` score records are produced to a real local broker and a
fresh console reads them into an empty store; the rate is records over the time to catch up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from dexwatch.console.api.context import ConsoleContext
from dexwatch.console.app import build_app
from dexwatch.console.backtest_jobs import BacktestJobs
from dexwatch.console.metrics import ConsoleMetrics
from dexwatch.console.settings import ConsoleSettings
from dexwatch.console.store.console_store import ConsoleStore
from dexwatch.console.store.ingest_batch import IngestBatch
from dexwatch.console.topic_ingest import TopicIngest
from dexwatch.console.topics import ConsoleTopics
from dexwatch.schemas.anomaly_event import AnomalyEvent, MeasureContribution
from dexwatch.schemas.codec import encode
from dexwatch.schemas.incident import IncidentContributor, IncidentEvent
from dexwatch.schemas.score_event import ScoreEvent

TOKEN = "bench-token-0123456789"
START = datetime(2026, 1, 5, tzinfo=UTC)
HOUR = timedelta(hours=1)


def say(text: str) -> None:
    print(text, flush=True)


def _series(number: int) -> tuple[str, dict[str, str]]:
    dimensions = {"chain": ("ethereum", "arbitrum", "base")[number % 3], "pool": f"0x{number:06x}"}
    return f"chain={dimensions['chain']},pool={dimensions['pool']}", dimensions


def _score(series: str, at: datetime, value: float) -> ScoreEvent:
    return ScoreEvent(
        dataset="pools",
        series=series,
        interval_start=at,
        values={"volume_usd": value, "tvl_usd": value * 40},
        bands={"volume_usd": (value * 0.5, value * 1.5), "tvl_usd": (value * 30, value * 50)},
        score=0.1,
        severity=10,
        anomaly=False,
    )


def _anomaly(number: int, at: datetime) -> AnomalyEvent:
    series, dimensions = _series(number)
    return AnomalyEvent(
        anomaly_id=f"bench-{number:08d}",
        dataset="pools",
        series=series,
        dimensions=dimensions,
        interval_start=at,
        interval_end=at + HOUR,
        score=0.5 + (number % 50) / 100,
        severity=50 + number % 50,
        measures=[
            MeasureContribution(
                measure="volume_usd", value=9e3, expected_low=1e2, expected_high=9e2, deviation=6
            )
        ],
        detector_version="bench",
        detected_at=at + HOUR,
        kind="anomaly",
        explanation="volume_usd 9000 above 100..900",
        config_hash="bench",
        model_snapshot_version=0,
        source_offsets=[],
    )


def _incident(number: int, at: datetime) -> IncidentEvent:
    series, dimensions = _series(number)
    return IncidentEvent(
        incident_id=f"incident-{number:08d}",
        version=1,
        status="open",
        dataset="pools",
        group={"chain": dimensions["chain"]},
        title="volume_usd jumped",
        severity=80,
        first_interval_start=at,
        interval_start=at,
        interval_end=at + HOUR,
        contributors=[
            IncidentContributor(
                series=series,
                dimensions=dimensions,
                measure="volume_usd",
                kind="anomaly",
                severity=80,
                share=1.0,
                anomaly_id=f"bench-{number:08d}",
                interval_start=at,
            )
        ],
        anomaly_ids=[f"bench-{number:08d}"],
        config_hash="bench",
        updated_at=at + HOUR,
    )


def _size_mib(path: Path) -> float:
    files = [path, Path(f"{path}-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


def fill(store: ConsoleStore, args: argparse.Namespace) -> str:
    """The store filled; returns the long series' key."""
    started, rows = time.perf_counter(), 0
    for first in range(0, args.series, 5000):
        batch = IngestBatch()
        for number in range(first, min(first + 5000, args.series)):
            series, _ = _series(number)
            at = START + (number % 500) * HOUR
            batch.scores += [_score(series, at + k * HOUR, 100.0 + k) for k in range(args.points)]
            batch.anomalies.append(_anomaly(number, at))
            if number % 10 == 0:
                batch.incidents.append(_incident(number, at))
        store.apply(batch)
        rows += batch.events
    long_series, _ = _series(args.series)
    for first in range(0, args.long_points, 5000):
        points = range(first, min(first + 5000, args.long_points))
        store.apply(
            IngestBatch(
                scores=[_score(long_series, START + k * HOUR, 100.0 + k % 24) for k in points]
            )
        )
        rows += len(points)
    elapsed = time.perf_counter() - started
    say(
        f"store: {rows:,} events written in {elapsed:.1f} s ({rows / elapsed:,.0f}/s, "
        f"write path without the broker); {store.path.stat().st_size / 2**20:,.0f} MiB"
    )
    return long_series


async def latencies(
    args: argparse.Namespace, store: ConsoleStore, long_series: str
) -> list[tuple[str, str]]:
    settings = ConsoleSettings(token=SecretStr(TOKEN), store_path=store.path)
    topics = ConsoleTopics("a", "b", "c", "d", "e", "f", 1)
    context = ConsoleContext(
        settings=settings,
        topics=topics,
        store=store,
        writer=None,  # type: ignore[arg-type]  # read-only
        metrics=ConsoleMetrics(),
        backtests=BacktestJobs(store.path.parent / "backtests", 1, lambda: None),
        caught_up=asyncio.Event(),
    )
    runner = web.AppRunner(build_app(context), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    queries = {
        "anomaly list (newest 100)": ("/api/v1/anomalies", {"limit": "100"}),
        "anomaly list (dataset, chain, min_severity 90)": (
            "/api/v1/anomalies",
            {"dataset": "pools", "dim.chain": "base", "min_severity": "90", "limit": "100"},
        ),
        "incident list (open, newest 100)": ("/api/v1/incidents", {"status": "open"}),
        f"series points ({args.long_points:,})": (
            "/api/v1/series/points",
            {"dataset": "pools", "series": long_series, "limit": str(args.long_points)},
        ),
    }
    results = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        for name, (path, params) in queries.items():
            times = []
            size = 0
            for _ in range(args.requests):
                started = time.perf_counter()
                async with session.get(base + path, params=params) as answer:
                    body = await answer.read()
                    assert answer.status == 200, body[:200]
                times.append(time.perf_counter() - started)
                size = len(body)
            times.sort()
            p50 = statistics.median(times) * 1000
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
            figure = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms ({size / 1024:,.0f} KiB)"
            say(f"  {name}: {figure}")
            results.append((name, figure))
    await runner.cleanup()
    context.readers.shutdown()
    context.backtests.close()
    return results


def ingest(args: argparse.Namespace, root: Path) -> str:
    from confluent_kafka import Producer

    from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings
    from dexwatch.messaging import connection_for
    from tests.support.kafka_helpers import create_topic, free_port

    broker = LocalKafkaBroker(
        LocalKafkaSettings(port=free_port(), controller_port=free_port(), state_dir=root / "kafka")
    )
    status = broker.start()
    bootstrap = status.bootstrap_servers
    try:
        names = {
            k: create_topic(bootstrap, f"bench-{k}", 8) for k in ("a", "al", "s", "m", "f", "c")
        }
        topics = ConsoleTopics(
            names["a"], names["al"], names["s"], names["m"], names["f"], names["c"], 8
        )
        producer = Producer(
            {"bootstrap.servers": bootstrap, "linger.ms": 20, "compression.type": "lz4"}
        )
        for number in range(args.ingest_records):
            series, _ = _series(number % 10_000)
            event = _score(series, START + (number // 10_000) * HOUR, 100.0)
            while True:
                try:
                    producer.produce(names["s"], key=series.encode(), value=encode(event))
                    break
                except BufferError:  # the local queue is full: let deliveries drain it
                    producer.poll(0.1)
            if number % 1000 == 0:
                producer.poll(0)
        producer.flush(60)
        say(f"ingest: {args.ingest_records:,} score records on {names['s']} (8 partitions)")
        store = ConsoleStore(root / "ingest.sqlite3")

        async def read_all() -> float:
            stop = asyncio.Event()
            reader = TopicIngest(
                store, topics, connection_for(bootstrap), "bench-console", ConsoleMetrics()
            )
            started = time.perf_counter()
            task = asyncio.create_task(reader.run(stop))
            waiting = asyncio.create_task(reader.caught_up.wait())
            await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
            elapsed = time.perf_counter() - started
            stop.set()
            await task
            return elapsed

        elapsed = asyncio.run(read_all())
        rows = store.row_counts()["scores"]
        store.close()
        assert rows == args.ingest_records, f"{rows} rows stored"
        rate = args.ingest_records / elapsed
        figure = f"{rate:,.0f} records/s ({elapsed:.1f} s, {rows:,} rows stored)"
        say(f"  ingest from the topics: {figure}")
        return figure
    finally:
        broker.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.console", description=__doc__)
    parser.add_argument("--series", type=int, default=100_000, help="0: skip the queries")
    parser.add_argument("--points", type=int, default=4, help="points per series")
    parser.add_argument("--long-points", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--ingest-records", type=int, default=200_000, help="0: skip")
    args = parser.parse_args(argv)
    say(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    root = Path(tempfile.mkdtemp(prefix="dexwatch-bench-console-"))
    try:
        if args.series:
            store = ConsoleStore(root / "console.sqlite3")
            long_series = fill(store, args)
            say(f"queries over HTTP, {args.requests} each:")
            asyncio.run(latencies(args, store, long_series))
            store.close()
        if args.ingest_records:
            ingest(args, root)
        say(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
