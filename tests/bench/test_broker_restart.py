"""A broker kill -9 under a steady producer: every partition fetches again within 15 s of the
broker's return, nothing is lost or read twice (bench.broker_restart, run as a process: its
clients poll while their broker is killed, which has crashed a Python process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from bench.broker_restart import IDLE_LIMIT_S, idle_after
from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings


def _sample(t: float, committed: list[int], high: list[int]) -> dict[str, object]:
    return {"t": t, "committed": committed + [10] * 6, "high": high + [10] * 6}


def test_idle_is_the_longest_wait_with_records_and_no_commit_after_the_answer() -> None:
    samples = [
        {"t": 99.0, "error": "all brokers down"},
        _sample(101.0, [5, 5], [9, 9]),
        _sample(103.0, [6, 5], [9, 9]),  # partition 0 moves at 103
        _sample(110.0, [9, 5], [9, 9]),  # 0 caught up; 1 still at 5
        _sample(121.0, [9, 9], [9, 9]),  # 1 moves at 121: 21 s after the answer
        _sample(140.0, [9, 9], [12, 9]),  # 0 has records again; nothing moved for 19 s
    ]
    idle = idle_after(samples, answered=100.0, until=200.0)
    assert idle[:2] == [19.0, 21.0]
    assert idle[2:] == [0.0] * 6  # caught up throughout
    # 0 moved at 103 and 110 (commits seen 7 s apart: the bound), 1 not since the answer
    assert idle_after(samples, answered=100.0, until=115.0)[:2] == [7.0, 10.0]


@pytest.mark.kafka
def test_after_a_broker_kill_every_partition_fetches_again_within_15_s(tmp_path: Path) -> None:
    figures_path = tmp_path / "figures.json"
    try:
        result = _run_bench(tmp_path, figures_path)
    finally:  # a benchmark killed by the timeout leaves its broker (its own session) running
        LocalKafkaBroker(LocalKafkaSettings(state_dir=tmp_path / "run" / "kafka")).stop()
    _check(result, figures_path)


def _run_bench(tmp_path: Path, figures_path: Path) -> tuple[int, str]:
    """Its exit code and output; in a session of its own, so that a timeout ends its worker
    and clients too."""
    command = [
        sys.executable,
        "-m",
        "bench.broker_restart",
        "--kills=1",
        "--rate=200",
        "--down-s=3",
        "--between-s=25",
        f"--json={figures_path}",
        f"--keep={tmp_path / 'run'}",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=540)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return process.returncode, output.decode(errors="replace")


def _check(result: tuple[int, str], figures_path: Path) -> None:
    code, output = result
    assert code == 0, output[-5000:]
    figures = orjson.loads(figures_path.read_bytes())
    assert figures["acknowledged"] > 0
    assert figures["high_water_sum"] == figures["acknowledged"]
    assert figures["consumed"] == figures["acknowledged"], figures
    assert (figures["lost"], figures["read_twice"], figures["double_anomaly_ids"]) == (0, 0, 0)
    assert figures["uncommitted_at_end"] == 0
    [idle] = figures["max_idle_s"]
    [gap] = figures["max_sample_gap_s"]
    assert gap < 5.0, figures  # the idle figure is that fine
    assert idle < IDLE_LIMIT_S, output
