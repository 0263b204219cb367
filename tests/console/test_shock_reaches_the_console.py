"""A simulator shock through a real worker on the real broker reaches the console: the API
lists its anomalies and its incident, and draws a shocked pool with its band."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.console.topics import ConsoleTopics
from tests.console.running_console import RunningConsole
from tests.streams.incidents.test_shock_incident import DATASETS, SHOCK_STEP, STEPS
from tests.streams.incidents.worker_alerts import simulated_records, start_worker
from tests.support.kafka_helpers import create_topic, produce_records

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_a_simulator_shock_is_listed_and_drawn_by_the_console(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    simulator = DexMarketSimulator(
        SimulatorConfig(
            pools=4, shock_pools=3, anomaly_kinds=("multi_pool_shock",), anomaly_at_step=SHOCK_STEP
        )
    )
    [plan] = simulator.plans
    shocked = {simulator.pools[index].series for index in plan.pools}
    shock_ms = int(simulator.event_time(SHOCK_STEP).timestamp() * 1000)
    worker, source = start_worker(kafka_bootstrap, unique_name, tmp_path, DATASETS)
    topics = ConsoleTopics(
        anomalies=worker.topics["anomalies"],
        alerts=worker.topics["alerts"],
        scores=worker.topics["scores"],
        model_actions=worker.topics["model_actions"],
        feedback=worker.topics["feedback"],
        incident_controls=create_topic(kafka_bootstrap, unique_name("controls"), 2),
        partitions=8,
    )
    try:
        with RunningConsole(kafka_bootstrap, topics, tmp_path / "console.sqlite3") as console:
            produce_records(kafka_bootstrap, source, simulated_records(simulator, STEPS))

            def shock_incident() -> dict[str, Any] | None:
                listed = console.get("/api/v1/incidents", dataset="pools", since=shock_ms / 1000)
                return next(iter(listed["items"]), None)

            incident = console.wait_for("the shock's incident", shock_incident, 180)
            found = console.get("/api/v1/anomalies", dataset="pools", since=shock_ms / 1000)
            assert {a["series"] for a in found["items"]} >= shocked
            assert {c["series"] for c in incident["contributors"]} == shocked
            view = console.get(f"/api/v1/incidents/{incident['incident_id']}")
            assert view["versions"][0]["status"] == "open"

            pool = sorted(shocked)[0]
            points = console.wait_for(
                "the shocked pool's points",
                lambda: (
                    [
                        p
                        for p in console.get(
                            "/api/v1/series/points", dataset="pools", series=pool, limit=10_000
                        )["points"]
                        if p["t"] >= shock_ms - 3_600_000
                    ]
                    or None
                ),
            )
            assert any(p["anomaly"] for p in points if p["t"] == shock_ms)
            banded = [p for p in points if p["bands"]]
            assert banded, "points after the warm-up carry a band"
            moved = [
                p
                for p in banded
                if p["t"] == shock_ms
                and any(not low <= p["values"][m] <= high for m, (low, high) in p["bands"].items())
            ]
            assert moved, "the shocked point lies outside its band on some measure"
    finally:
        worker.stop()
