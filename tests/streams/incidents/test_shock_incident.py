"""A multi-pool shock from the simulator, through a real worker on the real broker, is one
incident with several contributors on the alerts topic, not one alert per pool."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.schemas import IncidentEvent, decode
from tests.streams.incidents.worker_alerts import incidents_on, simulated_records, start_worker
from tests.support.kafka_helpers import produce_records, wait_for

pytestmark = pytest.mark.kafka

SHOCK_STEP, STEPS = 350, 370  # 5-minute steps; the models give verdicts from step 300
DATASETS = """
datasets:
  - name: pools
    source: {{topic: {source}}}
    dimensions: [chain, dex, pair, pool]
    measures:
      - {{name: volume_usd, aggregation: sum}}
      - {{name: tx_count, aggregation: sum}}
      - {{name: fees_usd, aggregation: sum}}
      - {{name: tvl_usd, aggregation: last}}
      - {{name: price, aggregation: last}}
    interval: 5m
    detector: {{warmup: 300}}
    alerting: {{group_wait: 1s}}
"""


def test_a_multi_pool_shock_is_one_incident(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    simulator = DexMarketSimulator(
        SimulatorConfig(
            pools=4,
            shock_pools=3,
            anomaly_kinds=("multi_pool_shock",),
            anomaly_at_step=SHOCK_STEP,
        )
    )
    [plan] = simulator.plans
    shocked = {simulator.pools[index].series for index in plan.pools}
    shock_start = simulator.event_time(SHOCK_STEP)
    worker, source = start_worker(kafka_bootstrap, unique_name, tmp_path, DATASETS)
    try:
        produce_records(kafka_bootstrap, source, simulated_records(simulator, STEPS))

        def resolved(versions: list[IncidentEvent]) -> bool:
            return any(
                v.status == "resolved" and v.first_interval_start == shock_start for v in versions
            )

        versions = incidents_on(kafka_bootstrap, worker.topics["alerts"], resolved, 120)
        assert resolved(versions), f"no resolved incident of the shock:\n{worker.log_tail()}"
        during = [v for v in versions if v.interval_start >= shock_start]
        assert len({v.incident_id for v in during}) == 1, "one incident, not one per pool"
        opened, *_, last = [v for v in during]
        assert (opened.version, opened.status) == (1, "open")
        assert (last.status, last.version) == ("resolved", len(during))
        assert {c.series for c in opened.contributors} == shocked
        assert len(opened.contributors) > len(shocked), "several measures per pool"
        assert len({c.measure for c in opened.contributors}) >= 2
        # Each version links to the incident's page on the worker, which serves the latest.
        assert opened.link == f"http://127.0.0.1:{worker.web_port}/incidents/{opened.incident_id}"
        with urllib.request.urlopen(opened.link, timeout=10) as page:
            assert decode(IncidentEvent, page.read()) == last
        missing = opened.link.replace(opened.incident_id, "no-such-incident")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(missing, timeout=10)
        refused.value.close()  # an HTTPError holds the response open
        assert refused.value.code == 404
        assert opened.group == {"chain": "ethereum"} or opened.group.get("chain") == "ethereum"
        shares = [c.share for c in opened.contributors]
        assert sum(shares) == pytest.approx(1.0)
        assert shares == sorted(shares, reverse=True)
        assert opened.severity == max(c.severity for c in opened.contributors)
        assert set(opened.anomaly_ids) == {c.anomaly_id for c in opened.contributors}
        wait_for(
            lambda: (
                worker.metric("dexwatch_incident_events_total", dataset="pools", status="open") >= 1
            ),
            30,
            "the incident in the worker's metrics",
        )
        assert worker.metric("dexwatch_incidents_open", dataset="pools") == 0

        # `dexwatch tail --alerts` shows it, one line each version.
        tail = subprocess.run(
            [
                sys.executable,
                "-m",
                "dexwatch.cli.main",
                "tail",
                "--alerts",
                "--from-beginning",
                "--bootstrap-servers",
                kafka_bootstrap,
                "--topic",
                worker.topics["alerts"],
                "--max",
                str(len(versions)),
                "--timeout",
                "30",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        lines = tail.stdout.splitlines()
        assert f"| {opened.incident_id} v1" in lines[0]
        assert lines[0].startswith("INCIDENT OPEN ")
    finally:
        worker.stop()
