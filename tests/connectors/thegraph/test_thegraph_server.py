"""The test server itself holds to The Graph's rules: `first` <= 1000, a `skip` ceiling, errors."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.connectors.thegraph.conftest import V2_ID, V3_ID
from tests.thegraph_server import RunningServer

ROOT = Path(__file__).resolve().parents[3]


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, data=orjson.dumps(body), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, orjson.loads(response.read())


def messages(answer: dict[str, Any]) -> list[str]:
    return [error["message"] for error in answer.get("errors", [])]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("first: 1001", "bad query: The `first` argument must be between 0 and 1000, but is 1001"),
        ("skip: 5001", "bad query: The `skip` argument must be between 0 and 5000, but is 5001"),
    ],
)
def test_limits_are_enforced(running: RunningServer, arguments: str, expected: str) -> None:
    _status, answer = post(running.url(V3_ID), {"query": f"{{ swaps({arguments}) {{ id }} }}"})
    assert messages(answer) == [expected]


def test_validation_errors_read_like_the_gateways(running: RunningServer) -> None:
    _status, answer = post(running.url(V3_ID), {"query": "{ pools { feeGrowthGlobal0X128 } }"})
    [message] = messages(answer)
    assert message.startswith("bad query: Cannot query field 'feeGrowthGlobal0X128'")
    _status, answer = post(running.url("QmNope"), {"query": "{ pools { id } }"})
    assert messages(answer) == ["subgraph not found: QmNope"]


def test_defaults_filters_and_ordering(running: RunningServer) -> None:
    query = (
        "{ pairs(orderBy: reserveUSD, orderDirection: desc, first: 3) { id reserveUSD } "
        "pairHourDatas { id } }"
    )
    _status, answer = post(running.url(V2_ID), {"query": query})
    tvls = [float(pair["reserveUSD"]) for pair in answer["data"]["pairs"]]
    assert tvls == sorted(tvls, reverse=True)
    assert len(tvls) == 3
    assert len(answer["data"]["pairHourDatas"]) == 100  # graph-node's default `first`


def test_the_admin_endpoint_changes_behaviour(running: RunningServer) -> None:
    status, state = post(
        running.admin_url,
        {"fail_next": {"kind": "no_indexers", "times": 1}, "lag_s": 90, "indexing_failed": True},
    )
    assert status == 200
    assert state["pending_faults"] == ["no_indexers"]
    assert state["lag_s"] == 90
    meta = "{ _meta { block { number timestamp } hasIndexingErrors } }"
    assert messages(post(running.url(V3_ID), {"query": meta})[1]) == ["no indexers found"]
    assert messages(post(running.url(V3_ID), {"query": meta})[1]) == ["indexing_error"]
    allowed = "{ pools(first: 1, subgraphError: allow) { id } " + meta[1:]
    _status, answer = post(running.url(V3_ID), {"query": allowed})
    assert messages(answer) == ["indexing_error"]
    assert answer["data"]["_meta"]["hasIndexingErrors"] is True


def test_it_runs_by_hand() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.thegraph_server", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--port" in result.stdout
