"""`dexwatch console` as a process on the real broker: it creates its topics, serves the API
behind its token, says in /healthz when it has caught up, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from tests.support.kafka_helpers import free_port, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

TOKEN = "process-token-0123456789"


def _get(port: int, path: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, orjson.loads(answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, orjson.loads(error.read())


def test_the_console_process_serves_behind_its_token_and_stops_cleanly(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DEXWATCH_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DEXWATCH_CONSOLE__TOKEN": TOKEN,
        "DEXWATCH_CONSOLE__PORT": str(port),
        "DEXWATCH_CONSOLE__STORE_PATH": str(tmp_path / "console.sqlite3"),
        **{
            f"DEXWATCH_{kind}_TOPIC": unique_name(kind.lower())
            for kind in ("ANOMALIES", "ALERTS", "SCORES", "MODEL_ACTIONS", "FEEDBACK")
        },
        "DEXWATCH_INCIDENT_CONTROLS_TOPIC": unique_name("controls"),
    }
    log = (tmp_path / "console.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "dexwatch.cli.main", "console"],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:

        def healthy() -> dict[str, object] | None:
            if process.poll() is not None:
                raise AssertionError((tmp_path / "console.log").read_text())
            try:
                status, body = _get(port, "/healthz")
            except OSError:
                return None
            return body if status == 200 and body["caught_up"] else None

        wait_for(healthy, 60, "the console caught up")
        assert _get(port, "/api/v1/anomalies")[0] == 401
        status, body = _get(port, "/api/v1/anomalies", TOKEN)
        assert (status, body) == (200, {"items": []})
        status, document = _get(port, "/api/v1/openapi.json", TOKEN)
        assert status == 200
        assert "/api/v1/incidents/{incident_id}/snooze" in document["paths"]  # type: ignore[operator]
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
        log.close()
    text = (tmp_path / "console.log").read_text()
    assert code == 0, text
    assert TOKEN not in text
    assert "unknown environment variable" not in text
