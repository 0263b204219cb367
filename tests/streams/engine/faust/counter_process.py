"""Run `counter_app` as a subprocess (its own data dir and web port) and read its `/state`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.kafka_helpers import free_port, wait_for

__all__ = ["CounterProcess"]


class CounterProcess:
    def __init__(
        self,
        bootstrap: str,
        *,
        app_id: str,
        topic: str,
        partitions: int,
        data_dir: Path,
        interval_s: float,
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.app_id = app_id
        self.data_dir = data_dir
        self.topic = topic
        self.web_port = free_port()
        self.log_path = data_dir / f"counter-{self.web_port}.log"
        env = {
            **os.environ,
            "COUNTER_BOOTSTRAP": bootstrap,
            "COUNTER_APP_ID": app_id,
            "COUNTER_TOPIC": topic,
            "COUNTER_PARTITIONS": str(partitions),
            "COUNTER_DATA_DIR": str(data_dir),
            "COUNTER_WEB_PORT": str(self.web_port),
            "COUNTER_INTERVAL_S": str(interval_s),
        }
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.streams.engine.faust.counter_app"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def state(self) -> dict[str, Any] | None:
        if self.process.poll() is not None:
            raise AssertionError(f"the counter app exited early:\n{self.log_tail()}")
        try:
            url = f"http://127.0.0.1:{self.web_port}/state"
            with urllib.request.urlopen(url, timeout=2) as response:
                state: dict[str, Any] = json.loads(response.read())
                return state
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def current(self) -> dict[str, Any]:
        state = self.state()
        assert state is not None, f"no /state:\n{self.log_tail()}"
        return state

    def wait_ready(self, timeout_s: float = 40.0) -> dict[str, Any]:
        """Wait until its table recovery finished (and it restored what it had)."""

        def ready() -> dict[str, Any] | None:
            state = self.state()
            return state if state is not None and state["ready"] else None

        return wait_for(
            ready,
            timeout_s,
            f"the counter app to recover its table (log {self.log_path})",
        )

    def wait_events(self, count: int, timeout_s: float = 30.0) -> dict[str, Any]:
        def processed() -> dict[str, Any] | None:
            state = self.current()
            return state if state["events"] >= count else None

        return wait_for(
            processed,
            timeout_s,
            f"the counter app to process {count} events",
        )

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def terminate(self, timeout_s: float = 30.0) -> int:
        """SIGTERM, as an operator would; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
        return self.process.returncode
