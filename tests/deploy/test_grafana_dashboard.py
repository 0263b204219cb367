"""deploy/grafana: the provisioned dashboard covers what issue 14 asks for, reads only metrics
the code defines, and its provisioning files agree with it. That each query returns data from a
real Prometheus is tests/deploy/test_dashboard_queries.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.deploy.deploy_files import (
    DASHBOARD,
    GRAFANA,
    dashboard_queries,
    defined_metric_names,
    load_yaml,
    metric_names_in,
)

# What the dashboard must show, each by a metric the panel reads.
REQUIRED = {
    "throughput": "dexwatch_events_consumed_total",
    "consumer lag": "dexwatch_consumer_lag_records",
    "latency histogram": "dexwatch_processing_latency_seconds",
    "dead letters by reason": "dexwatch_events_dead_lettered_total",
    "anomalies by severity": "dexwatch_anomalies_total",
    "incidents open": "dexwatch_incidents_open",
    "drift actions": "dexwatch_drift_decisions_total",
    "snapshot age": "dexwatch_snapshot_age_seconds",
    "sink deliveries": "dexwatch_alerts_delivered_total",
    "sink retries": "dexwatch_alerts_retried_total",
    "The Graph indexing lag": "dexwatch_thegraph_indexing_lag_seconds",
    "The Graph query budget": "dexwatch_thegraph_query_budget_remaining",
}
# Grafana's own variables, and the dashboard's datasource variable.
KNOWN_VARIABLES = {"__rate_interval", "datasource"}


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_dashboard_shows_everything_asked_for() -> None:
    read = set().union(*(metric_names_in(expr) for _title, _ref, expr in dashboard_queries()))
    missing = {what: metric for what, metric in REQUIRED.items() if metric not in read}
    assert missing == {}


@pytest.mark.parametrize(
    ("title", "ref", "expr"), dashboard_queries(), ids=lambda value: str(value)[:40]
)
def test_each_query_reads_metrics_the_code_defines(title: str, ref: str, expr: str) -> None:
    names = metric_names_in(expr)
    assert names or expr.startswith("up{"), f"{title} {ref} reads no dexwatch metric"
    assert names - defined_metric_names() == set(), f"{title} {ref} reads unknown metrics"
    assert set(re.findall(r"\$\{?(\w+)", expr)) <= KNOWN_VARIABLES


def test_panels_have_unique_ids_and_use_the_datasource_variable(dashboard: dict[str, Any]) -> None:
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    [variable] = dashboard["templating"]["list"]
    assert (variable["name"], variable["type"], variable["query"]) == (
        "datasource",
        "datasource",
        "prometheus",
    )
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["description"], f"{panel['title']} says nothing about what it shows"
        assert all(target["datasource"] == panel["datasource"] for target in panel["targets"])


def test_panels_do_not_overlap(dashboard: dict[str, Any]) -> None:
    taken: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


def test_the_provisioned_datasource_is_the_dashboards_default(dashboard: dict[str, Any]) -> None:
    provisioning = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")
    [source] = provisioning["datasources"]
    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"
    [variable] = dashboard["templating"]["list"]
    assert variable["current"]["value"] == source["uid"]


def test_the_dashboard_provider_reads_a_folder_of_json_files() -> None:
    provisioning = load_yaml(GRAFANA / "provisioning" / "dashboards" / "dexwatch.yml")
    [provider] = provisioning["providers"]
    assert provider["type"] == "file"
    # docker-compose.yml mounts deploy/grafana/dashboards there (tests/test_docker_compose.py).
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
