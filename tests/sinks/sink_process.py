"""`dexwatch sink --config FILE` as a real process, which a test can kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.support.kafka_helpers import wait_for

__all__ = ["SinkProcess", "scrape"]


class SinkProcess:
    """The sink command on its own log file; `start()` again after `kill()` to restart it."""

    def __init__(self, config: Path, log_path: Path, *, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self._log_start = 0  # where this start's lines begin in the log

    def start(self) -> None:
        self._log_start = len(self.log())
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dexwatch.cli.main",
                    "sink",
                    "--config",
                    str(self.config),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_reading(self, sinks: int = 1, timeout_s: float = 60.0) -> None:
        """Until this start's `sinks` consumers have their partitions (each logs `reading`)."""

        def reading() -> bool:
            if not self.alive():
                raise AssertionError(f"the sink exited:\n{self.log_tail()}")
            return self.log()[self._log_start :].count(": reading ") >= sinks

        wait_for(reading, timeout_s, "the sink to be assigned its partitions")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9: no clean-up, no commit, no goodbye to the group."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> int | None:
        """SIGTERM, as a supervisor would; the exit code (None if it had to be killed)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


def scrape(port: int, name: str, **labels: str) -> float | None:
    """Sample `name` with `labels` from http://127.0.0.1:<port>/metrics; None if not served."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
            text = answer.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0
