"""`dexwatch run` (what `make run` starts): an anomaly and its incident within a minute, and ^C
stops it all."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from streams.cli.run_command import _ANOMALY_AT_STEP
from streams.local_kafka import LocalKafkaBroker, broker_answers
from tests.kafka_helpers import free_port

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_run_prints_the_simulated_anomaly_within_a_minute_and_stops_on_ctrl_c(
    tmp_path: Path, kafka_broker: LocalKafkaBroker
) -> None:
    # kafka_broker: the jars are already in the shared cache; `run` starts its own broker.
    kafka_port = free_port()
    injected = DexMarketSimulator(SimulatorConfig(anomaly_at_step=_ANOMALY_AT_STEP)).labels()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streams.cli.main",
            "run",
            "--duration",
            "60",
            "--kafka-port",
            str(kafka_port),
            "--controller-port",
            str(free_port()),
            "--web-port",
            str(free_port()),
            "--state-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    reader = selectors.DefaultSelector()
    reader.register(process.stdout, selectors.EVENT_READ)
    started = time.monotonic()

    # --duration 60 bounds the wait: with no anomaly by then, `run` ends and so does this loop.
    def seen(kind: str) -> bool:
        return any(line.startswith(kind) for line in lines)

    while process.poll() is None and not (seen("ANOMALY") and seen("INCIDENT")):
        if reader.select(timeout=1.0):
            lines.append(process.stdout.readline().decode())
    elapsed = time.monotonic() - started
    process.send_signal(signal.SIGINT)  # what ^C in the terminal sends
    rest, _ = process.communicate(timeout=90)
    output = "".join(lines) + rest.decode()

    anomalies = [line for line in output.splitlines() if line.startswith("ANOMALY")]
    assert anomalies, f"no anomaly printed within the minute:\n{output[-3000:]}"
    assert injected[0].series in anomalies[0], "the first anomaly is the injected one"
    incidents = [line for line in output.splitlines() if line.startswith("INCIDENT")]
    assert incidents, f"no incident printed within the minute:\n{output[-3000:]}"
    assert "OPEN" in incidents[0]
    assert injected[0].series in incidents[0], "the incident names the injected series"
    print(f"first anomaly and incident {elapsed:.1f} s after `dexwatch run` started")
    assert process.returncode == 0, output[-3000:]
    assert "dexwatch stopped." in output
    assert not broker_answers(f"127.0.0.1:{kafka_port}", timeout_s=1.0), "broker left running"
