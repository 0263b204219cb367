"""Filters: every condition given must hold; those left out let everything through."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dexwatch.sinks.incident_filter import IncidentFilter
from tests.sinks.incidents import incident

OPEN = incident(1, severity=60, dataset="dex-pools", chain="ethereum")
RESOLVED = incident(2, 3, status="resolved", severity=95, dataset="tokens", chain="arbitrum")


def test_the_empty_filter_takes_everything() -> None:
    assert IncidentFilter().accepts(OPEN)
    assert IncidentFilter().accepts(RESOLVED)


@pytest.mark.parametrize(
    ("spec", "takes_open", "takes_resolved"),
    [
        ({"min_severity": 70}, False, True),
        ({"min_severity": 60}, True, True),
        ({"datasets": ["dex-pools"]}, True, False),
        ({"statuses": ["open", "updated"]}, True, False),
        ({"group": {"chain": "arbitrum"}}, False, True),
        ({"group": {"chain": ["arbitrum", "ethereum"]}}, True, True),
        ({"group": {"token": "USDC"}}, False, False),  # a dimension the group does not have
        ({"min_severity": 90, "datasets": ["dex-pools"]}, False, False),  # all must hold
    ],
)
def test_conditions(spec: dict[str, object], takes_open: bool, takes_resolved: bool) -> None:
    chosen = IncidentFilter.model_validate(spec)
    assert (chosen.accepts(OPEN), chosen.accepts(RESOLVED)) == (takes_open, takes_resolved)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"min_severity": 101}, "min_severity"),
        ({"statuses": ["closed"]}, "statuses"),
        ({"statuses": []}, "statuses"),
        ({"group": {"chain": []}}, "chain: give at least one value"),
        ({"group": {"bad name": "x"}}, "group"),
        ({"severity": 3}, "severity"),
    ],
)
def test_bad_filters_name_the_field(spec: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        IncidentFilter.model_validate(spec)
