"""`dexwatch run` (what `make run` starts): an anomaly and its incident within a minute, ^C
stops it all, and a second run shows the same again."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dexwatch.cli.main import main
from dexwatch.cli.run_command import _ANOMALY_AT_STEP
from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.deploy.local_kafka import LocalKafkaBroker, broker_answers
from tests.support.kafka_helpers import free_port

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

_INCIDENT_ID = re.compile(r"\| (\S+) v\d+")


def test_run_twice_shows_the_same_injected_anomaly_and_a_fresh_incident_each_time(
    tmp_path: Path, kafka_broker: LocalKafkaBroker
) -> None:
    # kafka_broker: the jars are already in the shared cache; `run` starts its own broker.
    # Two runs from one state dir and the same ports, as two `make run` in a row.
    ports = [str(free_port()) for _ in range(3)]
    injected = DexMarketSimulator(SimulatorConfig(anomaly_at_step=_ANOMALY_AT_STEP)).labels()
    runs = [_run_until_an_incident(tmp_path, ports) for _ in range(2)]
    for output in runs:
        anomalies = [line for line in output.splitlines() if line.startswith("ANOMALY")]
        assert anomalies, f"no anomaly printed:\n{output[-3000:]}"
        assert injected[0].series in anomalies[0], "the first anomaly is the injected one"
        incidents = [line for line in output.splitlines() if line.startswith("INCIDENT")]
        assert incidents, f"no incident printed:\n{output[-3000:]}"
        assert incidents[0].startswith("INCIDENT OPEN"), incidents[0]
        assert injected[0].series in incidents[0], "the incident names the injected series"
        assert incidents[0].endswith(" v1"), "opened by this run, not an update of an old one"
        assert "stopping..." in output, "stopped by the ^C, not by --duration"
        assert "dexwatch stopped." in output
        assert not broker_answers(f"127.0.0.1:{ports[0]}", timeout_s=1.0), "broker left running"
    first, second = (
        [line for line in run.splitlines() if line.startswith(("ANOMALY", "INCIDENT"))]
        for run in runs
    )
    # Same data, same models: the same first anomaly and incident, to the severity and id.
    assert _first("ANOMALY", second) == _first("ANOMALY", first)
    assert _first("INCIDENT", second) == _first("INCIDENT", first)
    for shown in first, second:
        assert _incidents_opened_before_changed(shown), "an incident of an earlier run"


def _first(kind: str, lines: list[str]) -> str:
    return next(line for line in lines if line.startswith(kind))


def _incidents_opened_before_changed(lines: list[str]) -> bool:
    """Every incident a run updates or resolves is one it opened (printed OPEN) before."""
    opened: set[str] = set()
    for line in lines:
        found = _INCIDENT_ID.search(line) if line.startswith("INCIDENT") else None
        if found is None:
            continue
        if line.startswith("INCIDENT OPEN"):
            opened.add(found.group(1))
        elif found.group(1) not in opened:
            return False
    return True


def _run_until_an_incident(state_dir: Path, ports: list[str]) -> str:
    """`dexwatch run` until it printed an anomaly and an incident (or its time is up), then
    ^C; its whole output, after checking it stopped cleanly."""
    kafka_port, controller_port, web_port = ports
    # A background job of a shell ignores SIGINT and its children inherit that: `run` would
    # never see the ^C this test sends. Spawned with the default handling instead.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dexwatch.cli.main",
                "run",
                "--duration",
                "120",
                "--kafka-port",
                kafka_port,
                "--controller-port",
                controller_port,
                "--web-port",
                web_port,
                "--state-dir",
                str(state_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            # Unbuffered: a line read ahead into a buffer would hide from `select` until more come.
            bufsize=0,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    assert process.stdout is not None
    lines: list[str] = []
    reader = selectors.DefaultSelector()
    reader.register(process.stdout, selectors.EVENT_READ)
    started = time.monotonic()

    # --duration bounds the wait (generous: CPUs may be shared); with no anomaly by then, `run`
    # ends and so does this loop.
    def seen(kind: str) -> bool:
        return any(line.startswith(kind) for line in lines)

    while process.poll() is None and not (seen("ANOMALY") and seen("INCIDENT")):
        if reader.select(timeout=1.0):
            lines.append(process.stdout.readline().decode())
    elapsed = time.monotonic() - started
    process.send_signal(signal.SIGINT)  # what ^C in the terminal sends
    # Stopping waits on each child and the broker (up to 30 s each on a loaded machine).
    rest, _ = process.communicate(timeout=180)
    output = "".join(lines) + rest.decode()
    print(
        f"first anomaly and incident {elapsed:.1f} s after `dexwatch run` started; "
        f"stopped {time.monotonic() - started - elapsed:.1f} s after ^C"
    )
    assert process.returncode == 0, output[-3000:]
    return output


def test_a_fresh_run_refuses_a_broker_that_already_holds_the_port(
    tmp_path: Path, kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Its topics and groups would carry whatever it holds into the demo: said, not used.
    port = kafka_bootstrap.rsplit(":", 1)[1]
    argv = ["run", "--kafka-port", port, "--controller-port", str(free_port())]
    assert main([*argv, "--web-port", str(free_port()), "--state-dir", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert f"a Kafka broker already answers on 127.0.0.1:{port}" in error
    assert "--keep-state" in error
    assert broker_answers(kafka_bootstrap), "left alone"
