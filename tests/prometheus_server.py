"""A real Prometheus server (Debian package `prometheus`) for tests: started on a loopback port
with a given configuration, asked through its HTTP API, stopped with the test."""

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

from tests.support.kafka_helpers import free_port, wait_for
from tests.system_tools import require_tool

__all__ = ["PrometheusServer", "prometheus_binary", "running_prometheus", "scrape_config"]


def prometheus_binary() -> str:
    """The `prometheus` executable, or a skip (a failure under CI=true) naming how to get it."""
    return require_tool("prometheus", also=["/usr/bin/prometheus"])


def scrape_config(job: str, target: str) -> str:
    """A configuration scraping one target every second under `job`."""
    return (
        "global:\n"
        "  scrape_interval: 1s\n"
        "  scrape_timeout: 1s\n"
        "scrape_configs:\n"
        f"  - job_name: {job}\n"
        "    static_configs:\n"
        f"      - targets: ['{target}']\n"
    )


def _get_json(url: str) -> Any | None:
    """The decoded JSON body at `url`, or None while the server is not answering."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


class PrometheusServer:
    """A `prometheus` process on a loopback port, with `config` (YAML text) in `workdir`."""

    def __init__(self, binary: str, config: str, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        config_path = workdir / "prometheus.yml"
        config_path.write_text(config)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "prometheus.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                f"--config.file={config_path}",
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

    def api(self, path: str, **params: str) -> Any:
        """The `data` of a successful answer from `/api/v1/<path>` (None while not answering)."""
        self._check_alive()
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        body = _get_json(f"{self.base_url}/api/v1/{path}{query}")
        if body is None:
            return None
        assert body["status"] == "success", body
        return body["data"]

    def query(self, promql: str) -> list[dict[str, Any]]:
        """The instant vector `promql` evaluates to now (empty until a scrape lands)."""
        data = self.api("query", query=promql)
        if data is None:
            return []
        assert data["resultType"] == "vector", data
        result: list[dict[str, Any]] = data["result"]
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


@contextmanager
def running_prometheus(binary: str, config: str, workdir: Path) -> Iterator[PrometheusServer]:
    """A ready server, stopped on leaving."""
    server = PrometheusServer(binary, config, workdir)
    try:
        wait_for(server.ready, 20, f"prometheus on {server.base_url} to be ready")
        yield server
    finally:
        server.stop()
