"""The files under deploy/ that the tests read, and the metric names the code defines."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "DASHBOARD",
    "GRAFANA",
    "PROMETHEUS_CONFIG",
    "REPO_ROOT",
    "RULES",
    "RULES_TEST",
    "dashboard_queries",
    "defined_metric_names",
    "load_yaml",
    "metric_names_in",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
PROMETHEUS_CONFIG = DEPLOY / "prometheus.yml"
RULES = DEPLOY / "prometheus" / "rules.yml"
RULES_TEST = Path(__file__).resolve().parent / "rules_test.yml"
GRAFANA = DEPLOY / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "dexwatch.json"

_METRIC_NAME = re.compile(r"\b(dexwatch_[a-z0-9_]+)\b")
_DEFINITION = re.compile(r"\b(?:Counter|Gauge|Histogram|Summary)\(\s*\"(dexwatch_[a-z0-9_]+)\"")
_SERIES_SUFFIXES = ("_bucket", "_sum", "_count")
_CODE_PACKAGES = ("streams", "sinks", "connectors", "detectors", "console")


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), f"{path} is not a YAML mapping"
    return loaded


@cache
def defined_metric_names() -> frozenset[str]:
    """Every `dexwatch_*` metric a prometheus_client Counter/Gauge/Histogram in the code
    registers (read from the source, so a renamed metric shows up here at once)."""
    names: set[str] = set()
    for package in _CODE_PACKAGES:
        for source in (REPO_ROOT / package).rglob("*.py"):
            names.update(_DEFINITION.findall(source.read_text(encoding="utf-8")))
    return frozenset(names)


def metric_names_in(expr: str) -> set[str]:
    """The `dexwatch_*` metrics a PromQL expression reads (a histogram's series by its name)."""
    found = set()
    for name in _METRIC_NAME.findall(expr):
        for suffix in _SERIES_SUFFIXES:
            if name.endswith(suffix):
                name = name.removesuffix(suffix)
                break
        found.add(name)
    return found


def dashboard_queries() -> list[tuple[str, str, str]]:
    """(panel title, refId, expr) of every query of every panel of the dashboard."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [
        (panel["title"], target["refId"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
