"""A real Prometheus server (Debian package `prometheus`) scrapes the worker's /metrics."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from schemas import encode
from tests.kafka_helpers import free_port, produce, wait_for
from tests.series_data import pool_events
from tests.system_tools import require_tool
from tests.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

EVENTS = 60
QUERY = "dexwatch_events_consumed_total"


def _get_json(url: str) -> Any | None:
    """The decoded JSON body at `url`, or None while the server is not answering."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


class _Prometheus:
    """A `prometheus` process on a loopback port, scraping one target every second."""

    def __init__(self, binary: str, target: str, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        config = workdir / "prometheus.yml"
        config.write_text(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "scrape_configs:\n"
            "  - job_name: dexwatch-worker\n"
            "    static_configs:\n"
            f"      - targets: ['{target}']\n"
        )
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "prometheus.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def _check_alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"prometheus exited early:\n{self.log_tail()}")

    def ready(self) -> bool:
        self._check_alive()
        try:
            with urllib.request.urlopen(f"{self.base_url}/-/ready", timeout=2) as response:
                status: int = response.status
                return status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def query(self, promql: str) -> list[dict[str, Any]]:
        """The instant vector `promql` evaluates to now (empty until a scrape lands)."""
        self._check_alive()
        query = urllib.parse.urlencode({"query": promql})
        body = _get_json(f"{self.base_url}/api/v1/query?{query}")
        if body is None:
            return []
        assert body["status"] == "success", body
        assert body["data"]["resultType"] == "vector", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


@pytest.fixture
def prometheus_binary() -> str:
    """Asked for before the worker: without the server the test stops before starting one."""
    return require_tool("prometheus", also=["/usr/bin/prometheus"])


@contextmanager
def _prometheus(binary: str, target: str, workdir: Path) -> Iterator[_Prometheus]:
    server = _Prometheus(binary, target, workdir)
    try:
        wait_for(server.ready, 20, f"prometheus on {server.base_url} to be ready")
        yield server
    finally:
        server.stop()


def test_prometheus_scrapes_the_consumed_events_counter(
    prometheus_binary: str, kafka_bootstrap: str, worker: WorkerProcess, tmp_path: Path
) -> None:
    target = f"127.0.0.1:{worker.web_port}"
    with _prometheus(prometheus_binary, target, tmp_path / "prometheus") as prometheus:
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
            samples = prometheus.query(QUERY)
            return len(samples) == 1 and float(samples[0]["value"][1]) == EVENTS

        try:
            wait_for(scraped_total, 20, f"prometheus to report {QUERY} == {EVENTS}")
        except AssertionError as error:
            raise AssertionError(
                f"{error}; last answer: {prometheus.query(QUERY)}; "
                f"prometheus log:\n{prometheus.log_tail()}"
            ) from error
        [sample] = prometheus.query(QUERY)
        assert sample["metric"]["job"] == "dexwatch-worker"
        assert sample["metric"]["instance"] == target
        [up] = prometheus.query('up{job="dexwatch-worker"}')
        assert float(up["value"][1]) == 1
