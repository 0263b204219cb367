"""Start, stop and inspect a genuine single-node Apache Kafka (KRaft) on loopback."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka.admin import AdminClient

from dexwatch.deploy.local_kafka.jars import ensure_jars, require_executable
from dexwatch.deploy.local_kafka.properties import (
    CLUSTER_ID,
    write_log4j_properties,
    write_server_properties,
)
from dexwatch.deploy.local_kafka.settings import LocalKafkaSettings
from dexwatch.schemas.errors import KafkaSetupError

__all__ = ["BrokerStatus", "LocalKafkaBroker", "broker_answers"]

log = logging.getLogger(__name__)

_JAVA_HINT = (
    "install a Java runtime, 17 or newer (Debian: `apt-get install openjdk-17-jre-headless`)"
)


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    bootstrap_servers: str
    answering: bool
    log_file: Path

    def describe(self) -> str:
        if not self.running:
            return f"not running (would listen on {self.bootstrap_servers})"
        health = "answering" if self.answering else "NOT answering admin requests yet"
        return f"running, pid {self.pid}, {self.bootstrap_servers}, {health}; log: {self.log_file}"


def broker_answers(bootstrap_servers: str, timeout_s: float = 2.0) -> bool:
    """True when an admin client can list the broker's topics."""
    admin = AdminClient(
        {
            "bootstrap.servers": bootstrap_servers,
            "socket.connection.setup.timeout.ms": 1000,
            # A broker that is not up yet is expected here; keep librdkafka quiet about it.
            "log_level": 0,
        }
    )
    try:
        admin.list_topics(timeout=timeout_s)
    except Exception:
        return False
    return True


class LocalKafkaBroker:
    """One local broker per `state_dir`; start and stop are idempotent."""

    def __init__(self, settings: LocalKafkaSettings) -> None:
        self.settings = settings
        self._state_dir = settings.state_dir
        self._pid_file = self._state_dir / "broker.pid"
        self._server_properties = self._state_dir / "server.properties"
        self._stdout_log = self._state_dir / "logs" / "stdout.log"
        # Where this start's lines begin in the (appended, rotated) log: tails show only them.
        self._log_start = 0
        # Kept so that stop() can reap the child we started (and Python does not warn about it).
        self._process: subprocess.Popen[bytes] | None = None

    # -- inspection -------------------------------------------------------------------------

    def status(self) -> BrokerStatus:
        pid = self._running_pid()
        answering = pid is not None and broker_answers(self.settings.bootstrap_servers)
        return BrokerStatus(
            running=pid is not None,
            pid=pid,
            bootstrap_servers=self.settings.bootstrap_servers,
            answering=answering,
            log_file=self.settings.log_file,
        )

    def _running_pid(self) -> int | None:
        try:
            pid = int(self._pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            return None
        # The pid may have been reused by another process since: check it is our broker.
        if b"kafka.Kafka" in cmdline and str(self._server_properties).encode() in cmdline:
            return pid
        return None

    # -- start ------------------------------------------------------------------------------

    def start(self) -> BrokerStatus:
        """Start the broker and wait until it answers; if it already runs, say so and return."""
        current = self.status()
        if current.running:
            log.info("Kafka is already running: %s", current.describe())
            return current
        java = require_executable("java", _JAVA_HINT)
        libs = ensure_jars(self.settings.version, self.settings.libs_dir)
        secure = self.settings.sasl_ssl_listener
        ports = (self.settings.port, self.settings.controller_port)
        for port in (*ports, *([secure.port] if secure is not None else [])):
            self._check_port_free(port)
        self._state_dir.mkdir(parents=True, exist_ok=True)
        write_server_properties(self.settings, self._server_properties)
        log4j = write_log4j_properties(self.settings, self._state_dir / "log4j.properties")
        classpath = f"{libs}/*"
        log4j_flag = f"-Dlog4j.configuration=file:{log4j}"
        self._format_storage(java, classpath, log4j_flag)
        log_file = self.settings.log_file
        self._log_start = log_file.stat().st_size if log_file.exists() else 0
        with self._stdout_log.open("wb") as stdout:
            process = subprocess.Popen(
                [
                    java,
                    f"-Xms{min(256, _megabytes(self.settings.heap))}m",
                    f"-Xmx{self.settings.heap}",
                    "-XX:+UseG1GC",
                    "-Djava.awt.headless=true",
                    log4j_flag,
                    "-cp",
                    classpath,
                    "kafka.Kafka",
                    str(self._server_properties),
                ],
                stdout=stdout,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Its own session: the broker outlives `dexwatch kafka start` and a terminal's ^C.
                start_new_session=True,
            )
        self._process = process
        self._pid_file.write_text(str(process.pid))
        log.info(
            "starting Kafka %s (pid %d) on %s; log: %s",
            self.settings.version,
            process.pid,
            self.settings.bootstrap_servers,
            self.settings.log_file,
        )
        self._wait_until_answering(process)
        status = self.status()
        log.info("Kafka is ready: %s", status.describe())
        return status

    def _check_port_free(self, port: int) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As the broker binds (Java sets SO_REUSEADDR): connections of a stopped or
            # crashed broker left in TIME-WAIT must not refuse a start for a minute.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((self.settings.host, port))
            except OSError as error:
                raise KafkaSetupError(
                    f"port {self.settings.host}:{port} is already in use ({error.strerror})",
                    "stop whatever listens there (`ss -ltnp | grep :"
                    f"{port}`), or choose other ports with --port/--controller-port "
                    "(DEXWATCH_KAFKA_PORT, DEXWATCH_KAFKA_CONTROLLER_PORT)",
                ) from error

    def _format_storage(self, java: str, classpath: str, log4j_flag: str) -> None:
        secure = self.settings.sasl_ssl_listener
        result = subprocess.run(
            [
                java,
                log4j_flag,
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                CLUSTER_ID,
                "-c",
                str(self._server_properties),
                "--ignore-formatted",
                *(secure.format_arguments() if secure is not None else []),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise KafkaSetupError(
                f"formatting the KRaft storage failed:\n{(result.stdout + result.stderr)[-2000:]}",
                f"if {self._state_dir / 'data'} holds data from another cluster, remove it",
            )

    def _wait_until_answering(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.settings.start_timeout_s
        while time.monotonic() < deadline:
            exit_code = process.poll()
            if exit_code is not None:
                self._pid_file.unlink(missing_ok=True)
                self._process = None
                raise KafkaSetupError(
                    f"the broker exited early with code {exit_code}. "
                    f"Last lines of its log:\n{self.log_tail()}",
                    f"read {self.settings.log_file} and {self._stdout_log}",
                )
            if broker_answers(self.settings.bootstrap_servers, timeout_s=1.0):
                return
            time.sleep(0.2)
        self.stop()
        raise KafkaSetupError(
            f"the broker did not answer within {self.settings.start_timeout_s:.0f} s. "
            f"Last lines of its log:\n{self.log_tail()}",
            "raise DEXWATCH_KAFKA_START_TIMEOUT_S on a slow machine, or read the log",
        )

    def log_tail(self, lines: int = 20) -> str:
        """The last lines this start wrote to the broker log and to its stdout."""
        text = ""
        for path, start in ((self.settings.log_file, self._log_start), (self._stdout_log, 0)):
            if path.exists():
                with path.open("rb") as stream:
                    stream.seek(start if path.stat().st_size >= start else 0)
                    written = stream.read().decode(errors="replace").splitlines()
                text += "".join(f"{line}\n" for line in written[-lines:])
        return text.rstrip() or "(the broker wrote no log)"

    # -- stop -------------------------------------------------------------------------------

    def stop(self, timeout_s: float = 30.0) -> bool:
        """SIGTERM, then SIGKILL after `timeout_s`. Returns False if it was not running."""
        pid = self._running_pid()
        if pid is None:
            self._pid_file.unlink(missing_ok=True)
            return False
        log.info("stopping Kafka (pid %d)", pid)
        own_child = self._process if self._process and self._process.pid == pid else None
        os.kill(pid, signal.SIGTERM)
        if not _wait_for_exit(pid, own_child, timeout_s):
            log.warning("Kafka did not stop within %.0f s; killing it", timeout_s)
            os.kill(pid, signal.SIGKILL)
            _wait_for_exit(pid, own_child, 10.0)
        self._pid_file.unlink(missing_ok=True)
        self._process = None
        return True

    def crash(self) -> bool:
        """`kill -9`, as a crash (tests and benchmarks of restarts): nothing is flushed or
        shut down cleanly. Returns False if it was not running."""
        pid = self._running_pid()
        if pid is None:
            return False
        log.info("killing Kafka (pid %d) with SIGKILL", pid)
        own_child = self._process if self._process and self._process.pid == pid else None
        os.kill(pid, signal.SIGKILL)
        _wait_for_exit(pid, own_child, 10.0)
        self._pid_file.unlink(missing_ok=True)
        self._process = None
        return True


def _megabytes(heap: str) -> int:
    return int(heap[:-1]) * (1024 if heap.endswith("g") else 1)


def _wait_for_exit(pid: int, own_child: subprocess.Popen[bytes] | None, timeout_s: float) -> bool:
    if own_child is not None:
        try:
            own_child.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return False
        return True
    # Started by another `dexwatch` process: we cannot wait on it, only watch it go.
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"):
            return True  # a zombie of another parent: it has exited
        time.sleep(0.1)
    return False
