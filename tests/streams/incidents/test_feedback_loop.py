"""`dexwatch feedback` against a real worker: 'not relevant' on an incident suppresses the next
equivalent one; 'relevant' restores it. The anomalies are produced as the worker would."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.schemas import IncidentEvent, encode
from tests.streams.incidents.anomalies import START, STEP, anomaly, pool
from tests.streams.incidents.worker_alerts import incidents_on, start_worker
from tests.support.kafka_helpers import produce, wait_for
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

FIRST = START
POOLS = (("0xaaa1", "CRV-WETH"), ("0xbbb2", "WBTC-WETH"), ("0xccc3", "LINK-WETH"))
DATASETS = """
datasets:
  - name: pools
    source: {{topic: {source}}}
    dimensions: [chain, dex, pair, pool]
    measures: [{{name: volume_usd, aggregation: sum}}, {{name: tx_count, aggregation: sum}}]
    interval: 5m
    alerting: {{group_wait: 1s, min_severity: 50, feedback: {{step: 60, half_life: 7d}}}}
"""


def shock(start: datetime) -> list[tuple[bytes | None, bytes]]:
    """The same shock on the same three pools: two intervals, volume and trades up."""
    return [
        (event.series.encode(), encode(event))
        for name, pair in POOLS
        for event in (anomaly(pool(name, pair), start + offset * STEP) for offset in range(2))
    ]


def feedback(
    bootstrap: str, worker: WorkerProcess, incident: str, *verdict: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dexwatch.cli.main",
            "feedback",
            incident,
            *verdict,
            "--bootstrap-servers",
            bootstrap,
            "--alerts-topic",
            worker.topics["alerts"],
            "--feedback-topic",
            worker.topics["feedback"],
            "--timeout",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_not_relevant_suppresses_the_next_equivalent_incident_and_relevant_restores_it(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    worker, _ = start_worker(kafka_bootstrap, unique_name, tmp_path, DATASETS)
    alerts = worker.topics["alerts"]

    def versions_until(done: Callable[[list[IncidentEvent]], bool]) -> list[IncidentEvent]:
        found = incidents_on(kafka_bootstrap, alerts, done, 60)
        assert done(found), f"alerts so far: {[v.title for v in found]}\n{worker.log_tail()}"
        return found

    try:
        unknown = feedback(kafka_bootstrap, worker, str(uuid.uuid4()), "--relevant")
        assert unknown.returncode == 1
        assert "not found" in unknown.stderr
        assert "check the id" in unknown.stderr

        produce(kafka_bootstrap, worker.topics["anomalies"], shock(FIRST))
        [first] = versions_until(lambda found: len(found) >= 1)
        assert (first.status, first.first_interval_start) == ("open", FIRST)
        assert len({c.series for c in first.contributors}) == len(POOLS)
        assert first.severity_offset == 0

        said = feedback(
            kafka_bootstrap, worker, first.incident_id, "--not-relevant", "--note", "a test"
        )
        assert said.returncode == 0, said.stderr
        assert f"feedback not_relevant on incident {first.incident_id}" in said.stdout
        versions_until(
            lambda found: any([f.verdict for f in v.feedback] == ["not_relevant"] for v in found)
        )

        produce(kafka_bootstrap, worker.topics["anomalies"], shock(FIRST + timedelta(days=1)))
        wait_for(
            lambda: (
                worker.metric(
                    "dexwatch_anomalies_suppressed_total", dataset="pools", reason="feedback"
                )
                >= 2 * len(POOLS)
            ),
            60,
            "the second shock suppressed by the feedback",
        )

        said = feedback(kafka_bootstrap, worker, first.incident_id, "--relevant")
        assert said.returncode == 0, said.stderr
        versions_until(
            lambda found: any(
                [f.verdict for f in v.feedback] == ["not_relevant", "relevant"] for v in found
            )
        )

        third_start = FIRST + timedelta(days=2)
        produce(kafka_bootstrap, worker.topics["anomalies"], shock(third_start))
        versions = versions_until(
            lambda found: any(v.first_interval_start == third_start for v in found)
        )
        assert {v.incident_id for v in versions} == {
            first.incident_id,
            next(v.incident_id for v in versions if v.first_interval_start == third_start),
        }, "no incident for the suppressed shock"
        third = next(v for v in versions if v.first_interval_start == third_start)
        assert third.status == "open"
        assert {c.series for c in third.contributors} == {c.series for c in first.contributors}
        assert third.severity_offset <= 0
        assert worker.metric("dexwatch_feedback_applied_total", dataset="pools", verdict="relevant")
    finally:
        worker.stop()
