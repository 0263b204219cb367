"""First deployment, end to end: The Graph history primes the worker, the first live hours alert.

Real broker, the local GraphQL server (its data placed on the real clock, as a worker judges
by its own clock), `dexwatch connect thegraph --datasets` as a user runs it, and a worker on
the shipped hourly pools dataset (only its topic renamed). The backfill is every hour that
ended at least `alert_after` (6h) ago: each is scored (none late), learnt, and sends nothing.
The next poll brings the first live hours, the first of them a depeg of the stable pair.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from dexwatch.cli.main import main
from dexwatch.schemas import AnomalyEvent, decode
from tests.support.kafka_helpers import consume_until, create_topic, wait_for
from tests.support.worker_process import WorkerProcess
from tests.thegraph_server import RunningServer, ServerControl, TheGraphTestServer
from tests.thegraph_server.dataset import DEPEG_PRICE

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

SHIPPED = Path(__file__).resolve().parents[3] / "deploy" / "datasets"
DATASET = "uniswap-v3-pools-hourly"
V3_ID = "5zvR82QoaXYFyDEKLZ9t6v9adgnptxYpKpSbxtgVENFV"
HOUR = 3600
HISTORY_HOURS = 200  # more than the dataset's warm-up (168 points)
ALERT_AFTER = 6 * HOUR  # the shipped dataset's alert_after
STABLE_POOL = 34  # DAI-USDC in the server's Uniswap v3 data
OTHER_POOLS = (0, 1, 2)


def _shipped_dataset(tmp_path: Path, topic: str) -> Path:
    data = yaml.safe_load((SHIPPED / f"{DATASET}.yaml").read_text())
    [dataset] = data["datasets"]
    assert dataset["alert_after"] == "6h"
    dataset["source"]["topic"] = topic
    path = tmp_path / "pools.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _hourly_events(log: str) -> int:
    found = re.findall(r"pools, (\d+) hourly \+ \d+ snapshot events", log)
    assert found, log
    return int(found[-1])


def test_a_backfill_primes_the_shipped_pools_dataset_and_the_first_live_depeg_alerts(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = time.time()
    # Hours that ended by `primed_until` are history to a worker from now on; the hour
    # starting there is the first live one. Too near its end and a slow worker would already
    # find it history: then the depeg takes the next hour (the first is quiet).
    primed_until = int(now - ALERT_AFTER) // HOUR * HOUR
    depeg_hour = (
        primed_until if primed_until + HOUR - (now - ALERT_AFTER) > 600 else (primed_until + HOUR)
    )
    start = primed_until - HISTORY_HOURS * HOUR
    server = TheGraphTestServer(
        start=start,
        hours=(depeg_hour + 3 * HOUR - start) // HOUR,
        depeg_at=depeg_hour + 600,
        control=ServerControl(now=float(primed_until + 60)),
    )
    view = server.view(V3_ID)
    stable = view.dataset.pools[STABLE_POOL].profile
    assert {stable.token0.symbol, stable.token1.symbol} == {"DAI", "USDC"}
    pools = [view.dataset.pools[i].profile.id for i in (STABLE_POOL, *OTHER_POOLS)]
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter")}
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic)
    datasets = _shipped_dataset(tmp_path, topics["metrics"])

    with RunningServer(server) as running:
        argv = ["connect", "thegraph", "--endpoint", running.url(V3_ID)]
        argv += ["--pools", ",".join(pools), "--no-transactions", "--datasets", str(datasets)]
        argv += ["--bootstrap-servers", kafka_bootstrap, "--topic", topics["metrics"]]
        argv += ["--dead-letter-topic", topics["dead_letter"]]
        argv += ["--checkpoint", str(tmp_path / "checkpoint.json"), "--once"]
        with caplog.at_level(logging.INFO, logger="dexwatch.connectors.thegraph"):
            assert main(argv) == 0  # the first run: the backfill
        assert "'backfill_hours': 336" in caplog.text  # the dataset's 14d
        backfilled = _hourly_events(caplog.text)
        # Each pool from its first hour row on: well past the warm-up (168 points).
        assert len(pools) * 180 < backfilled <= len(pools) * HISTORY_HOURS

        worker = WorkerProcess(
            kafka_bootstrap,
            unique_name("app"),
            topics,
            tmp_path / "worker",
            {"DEXWATCH_DATASETS": str(datasets)},
        )
        try:
            worker.wait_until_serving()
            server.ctl.now = float(depeg_hour + 3 * HOUR + 60)  # three more hours are final
            caplog.clear()
            with caplog.at_level(logging.INFO, logger="dexwatch.connectors.thegraph"):
                assert main(argv) == 0  # the next poll: the first live hours
            live = _hourly_events(caplog.text)
            assert live == len(pools) * (depeg_hour + 3 * HOUR - primed_until) // HOUR

            def depeg_alerted(messages: list) -> bool:  # type: ignore[type-arg]
                return any(
                    decode(AnomalyEvent, m.value() or b"").interval_start.timestamp() == depeg_hour
                    for m in messages
                )

            messages = consume_until(kafka_bootstrap, topics["anomalies"], depeg_alerted, 120)
            # Every backfilled hour was scored and learnt, none paged, none late.
            wait_for(
                lambda: (
                    worker.metric("dexwatch_points_primed_total", dataset=DATASET) >= backfilled
                ),
                30,
                "every backfilled hour to be scored",
            )
            primed = worker.metric("dexwatch_points_primed_total", dataset=DATASET)
            late = worker.metric("dexwatch_events_late_total", dataset=DATASET)
        finally:
            worker.stop()
    anomalies = [decode(AnomalyEvent, m.value() or b"") for m in messages]
    assert primed == backfilled
    assert late == 0
    assert all(a.interval_start.timestamp() >= primed_until for a in anomalies)
    [depeg] = [
        a
        for a in anomalies
        if a.interval_start.timestamp() == depeg_hour and a.dimensions["pool"] == stable.id
    ]
    price = next(m for m in depeg.measures if m.measure == "price")
    # The hour's last price: the depeg's swap, maybe pulled back a little by a later one.
    assert DEPEG_PRICE <= price.value < 0.99
    assert price.expected_low > 0.999
