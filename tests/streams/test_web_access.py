"""The worker's web port: only dexwatch's routes, a bearer token on all but /metrics and health."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.web_access import WebAccess, read_token
from tests.support.kafka_helpers import create_topic
from tests.support.worker_process import WorkerProcess

TOKEN = "s3cret-token-for-the-test"
DATASETS = """
datasets:
  - name: pools
    source: {{topic: {source}}}
    dimensions: [pool]
    measures: [{{name: volume_usd, aggregation: sum}}]
    interval: 5m
    alerting: {{group_wait: 1s, min_severity: 50}}
"""


def test_loopback_without_a_token_is_open() -> None:
    assert WebAccess(None, "127.0.0.1").allows(None)
    assert WebAccess(None, "localhost").allows(None)


def test_beyond_loopback_without_a_token_admits_nobody() -> None:
    access = WebAccess(None, "0.0.0.0")
    assert access.required
    assert not access.allows(None)
    assert not access.allows("Bearer ")


def test_a_configured_token_is_needed_on_any_bind() -> None:
    access = WebAccess(SecretStr(TOKEN), "127.0.0.1")
    assert access.allows(f"Bearer {TOKEN}")
    assert access.allows(f"bearer {TOKEN}")
    assert not access.allows(None)
    assert not access.allows(f"Bearer {TOKEN}x")
    assert not access.allows(f"Basic {TOKEN}")
    assert TOKEN not in repr(access.__dict__)


def test_the_token_is_read_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(f"{TOKEN}\n")
    found = read_token(None, path)
    assert found is not None
    assert found.get_secret_value() == TOKEN
    assert read_token(None, None) is None
    path.write_text("")
    with pytest.raises(ConfigError, match="empty"):
        read_token(None, path)
    with pytest.raises(ConfigError, match="cannot read"):
        read_token(None, tmp_path / "absent")


def _status(port: int, path: str, token: str | None = None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.kafka
def test_a_running_worker_serves_only_its_routes_and_asks_for_the_token(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter", "alerts")}
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic)
    datasets = tmp_path / "datasets.yaml"
    datasets.write_text(DATASETS.format(source=topics["metrics"]))
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    worker = WorkerProcess(
        kafka_bootstrap,
        unique_name("app"),
        topics,
        tmp_path / "worker",
        {"DEXWATCH_DATASETS": str(datasets), "DEXWATCH_WEB_TOKEN_FILE": str(token_file)},
    )
    try:
        worker.wait_until_serving()
        port = worker.web_port
        # faust's own routes are gone, even for whoever holds the token.
        for path in ("/router/", "/router/foo/", "/table/", "/table/incident-state/", "/"):
            assert _status(port, path, TOKEN) == 404, path
        assert _status(port, "/metrics") == 200
        assert _status(port, "/health") == 200
        # The incident page exists (alerting is on) and needs the token.
        assert _status(port, "/incidents/nope") == 401
        assert _status(port, "/incidents/nope", "wrong") == 401
        assert _status(port, "/incidents/nope", TOKEN) == 404
    finally:
        worker.stop()
    assert TOKEN not in worker.log_path.read_text(errors="replace")
