"""Run `dexwatch worker` as a real process (tests and benchmarks) and read its Prometheus
metrics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.support.kafka_helpers import free_port, wait_for

__all__ = ["WorkerProcess"]


class WorkerProcess:
    """A worker subprocess on its own topics, group, web port and data dir.

    It starts at once; after `kill()` or `stop()`, `start()` runs it again with the same
    settings (a restart: its log goes on in the same file)."""

    def __init__(
        self,
        bootstrap: str,
        app_id: str,
        topics: dict[str, str],
        data_dir: Path,
        extra_env: dict[str, str] | None = None,
        web_port: int | None = None,
        log_level: str | None = None,
    ) -> None:
        self.topics = topics
        self.app_id = app_id
        self.data_dir = data_dir
        self.web_port = web_port or free_port()
        self.log_path = data_dir / "worker.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._env = {
            **os.environ,
            "DEXWATCH_BOOTSTRAP_SERVERS": bootstrap,
            "DEXWATCH_APP_ID": app_id,
            "DEXWATCH_WEB_PORT": str(self.web_port),
            "DEXWATCH_DATA_DIR": str(data_dir),
            **{f"DEXWATCH_{name.upper()}_TOPIC": topic for name, topic in topics.items()},
            **(extra_env or {}),
        }
        self._argv = [sys.executable, "-m", "dexwatch.cli.main"]
        if log_level is not None:
            self._argv += ["--log-level", log_level]
        self._argv.append("worker")
        self.start()

    def start(self) -> None:
        """Start the process (again); `started_at` is when, on the monotonic clock."""
        # The child holds its own copy of the file descriptor: ours is closed at once.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self._argv,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.started_at = time.monotonic()
        self._terminated = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def check_running(self) -> None:
        """Fail, with the end of its log, when the process has exited."""
        if self.process.poll() is not None:
            raise AssertionError(
                f"worker exited with {self.process.returncode}:\n{self.log_tail()}"
            )

    def wait_until_serving(self, timeout_s: float = 60.0) -> None:
        def serving() -> bool:
            self.check_running()
            return self.metrics_text() is not None

        wait_for(serving, timeout_s, "the worker's /metrics endpoint")

    def metrics_text(self) -> str | None:
        """The /metrics page, or None while it does not answer."""
        url = f"http://127.0.0.1:{self.web_port}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                text: str = response.read().decode()
                return text
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def metric_samples(self) -> list[Sample] | None:
        """Every sample of the /metrics page, or None while it does not answer."""
        text = self.metrics_text()
        if text is None:
            return None
        return [
            sample for family in text_string_to_metric_families(text) for sample in family.samples
        ]

    def metric(self, name: str, **labels: str) -> float:
        """The current value of sample `name` with `labels` (0.0 when absent)."""
        for sample in self.metric_samples() or []:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
        return 0.0

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """`kill -9`: no shutdown hook runs, nothing is flushed or committed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def terminate(self) -> None:
        """SIGTERM, once, without waiting: several workers then shut down side by side."""
        if self.process.poll() is None and not self._terminated:
            self.process.send_signal(signal.SIGTERM)
            self._terminated = True

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM (unless `terminate` sent it), and SIGKILL when it has not exited after
        `timeout_s`."""
        self.terminate()
        if self.process.poll() is None:
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
