"""Run `dexwatch worker` as a real process in tests and read its Prometheus metrics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.support.kafka_helpers import free_port, wait_for

__all__ = ["WorkerProcess"]


class WorkerProcess:
    """A worker subprocess on its own topics, group, web port and data dir."""

    def __init__(
        self,
        bootstrap: str,
        app_id: str,
        topics: dict[str, str],
        data_dir: Path,
        extra_env: dict[str, str] | None = None,
        web_port: int | None = None,
    ) -> None:
        self.topics = topics
        self.app_id = app_id
        self.web_port = web_port or free_port()
        self.log_path = data_dir / "worker.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DEXWATCH_BOOTSTRAP_SERVERS": bootstrap,
            "DEXWATCH_APP_ID": app_id,
            "DEXWATCH_WEB_PORT": str(self.web_port),
            "DEXWATCH_DATA_DIR": str(data_dir),
            **{f"DEXWATCH_{name.upper()}_TOPIC": topic for name, topic in topics.items()},
            **(extra_env or {}),
        }
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dexwatch.cli.main", "worker"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_serving(self, timeout_s: float = 60.0) -> None:
        def serving() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.log_tail()}")
            return self.metrics_text() is not None

        wait_for(serving, timeout_s, "the worker's /metrics endpoint")

    def metrics_text(self) -> str | None:
        url = f"http://127.0.0.1:{self.web_port}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                text: str = response.read().decode()
                return text
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def metric(self, name: str, **labels: str) -> float:
        """The current value of sample `name` with `labels` (0.0 when absent)."""
        text = self.metrics_text() or ""
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in labels.items()
                ):
                    return float(sample.value)
        return 0.0

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """`kill -9`: no shutdown hook runs, nothing is flushed or committed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
