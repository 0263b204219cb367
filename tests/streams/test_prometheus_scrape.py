"""A real Prometheus server (Debian package `prometheus`) scrapes the worker's /metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.schemas import encode
from tests.prometheus_server import prometheus_binary, running_prometheus, scrape_config
from tests.series_data import pool_events
from tests.support.kafka_helpers import produce, wait_for
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

EVENTS = 60
QUERY = "dexwatch_events_consumed_total"


@pytest.fixture
def prometheus() -> str:
    """Asked for before the worker: without the server the test stops before starting one."""
    return prometheus_binary()


def test_prometheus_scrapes_the_consumed_events_counter(
    prometheus: str, kafka_bootstrap: str, worker: WorkerProcess, tmp_path: Path
) -> None:
    target = f"127.0.0.1:{worker.web_port}"
    config = scrape_config("dexwatch-worker", target)
    with running_prometheus(prometheus, config, tmp_path / "prometheus") as server:
        events = pool_events("0xprom", EVENTS, seed=7)
        produced = produce(
            kafka_bootstrap,
            worker.topics["metrics"],
            ((event.series_key.encode(), encode(event)) for event in events),
        )
        assert produced == EVENTS
        # The worker first, so a failure says which side is wrong: the worker or the scrape.
        wait_for(
            lambda: worker.metric(QUERY) == EVENTS,
            30,
            f"the worker to consume the {EVENTS} events",
        )

        def scraped_total() -> bool:
            samples = server.query(QUERY)
            return len(samples) == 1 and float(samples[0]["value"][1]) == EVENTS

        try:
            wait_for(scraped_total, 20, f"prometheus to report {QUERY} == {EVENTS}")
        except AssertionError as error:
            raise AssertionError(
                f"{error}; last answer: {server.query(QUERY)}; prometheus log:\n{server.log_tail()}"
            ) from error
        [sample] = server.query(QUERY)
        assert sample["metric"]["job"] == "dexwatch-worker"
        assert sample["metric"]["instance"] == target
        [up] = server.query('up{job="dexwatch-worker"}')
        assert float(up["value"][1]) == 1
