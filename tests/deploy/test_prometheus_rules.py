"""deploy/prometheus/rules.yml: valid for promtool, each alert unit-tested by promtool with
tests/deploy/rules_test.yml, each complete (for, severity, summary, runbook), each reading
metrics the code defines; deploy/prometheus.yml loads the rules and passes `promtool check`."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.deploy.deploy_files import (
    PROMETHEUS_CONFIG,
    RULES,
    RULES_TEST,
    defined_metric_names,
    load_yaml,
    metric_names_in,
)
from tests.system_tools import require_tool

SEVERITIES = {"warning", "critical"}


def _alerts() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(RULES)["groups"] for rule in group["rules"]]


def _promtool(*arguments: str) -> subprocess.CompletedProcess[str]:
    promtool = require_tool("promtool", package="prometheus", also=["/usr/bin/promtool"])
    return subprocess.run(
        [promtool, *arguments], capture_output=True, text=True, check=False, timeout=120
    )


def test_promtool_accepts_the_rules() -> None:
    result = _promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in result.stdout


def test_promtool_accepts_the_configuration_and_it_loads_the_rules() -> None:
    result = _promtool("check", "config", str(PROMETHEUS_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    rule_files = load_yaml(PROMETHEUS_CONFIG)["rule_files"]
    assert [(PROMETHEUS_CONFIG.parent / path).resolve() for path in rule_files] == [RULES]


def test_every_alert_passes_its_promtool_unit_tests() -> None:
    result = _promtool("test", "rules", str(RULES_TEST))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_unit_test_that_fires_it_and_one_that_does_not() -> None:
    cases = [
        case for test in load_yaml(RULES_TEST)["tests"] for case in test.get("alert_rule_test", [])
    ]
    fired = {case["alertname"] for case in cases if case.get("exp_alerts")}
    quiet = {case["alertname"] for case in cases if not case.get("exp_alerts")}
    names = {alert["alert"] for alert in _alerts()}
    assert names - fired == set(), "alerts no unit test fires"
    assert names - quiet == set(), "alerts with no unit test of when they stay quiet"


@pytest.mark.parametrize("alert", _alerts(), ids=lambda alert: alert["alert"])
def test_each_alert_waits_names_its_severity_and_says_what_to_do(alert: dict[str, Any]) -> None:
    assert alert["alert"].startswith("Dexwatch")
    assert alert.get("for"), "an alert without `for:` fires on one bad scrape"
    assert alert["labels"]["severity"] in SEVERITIES
    annotations = alert["annotations"]
    assert annotations["summary"].strip()
    # A runbook: what happened and what to do about it, in a few sentences.
    assert len(annotations["description"].split(". ")) >= 2, annotations["description"]


@pytest.mark.parametrize("alert", _alerts(), ids=lambda alert: alert["alert"])
def test_each_alert_reads_metrics_the_code_defines(alert: dict[str, Any]) -> None:
    unknown = metric_names_in(alert["expr"]) - defined_metric_names()
    assert unknown == set(), f"{alert['alert']} reads metrics no code defines"
