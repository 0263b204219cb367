"""An incident version as one line."""

from __future__ import annotations

from dexwatch.schemas.incident_text import describe_incident
from tests.streams.incidents.anomalies import anomaly, pool
from tests.streams.incidents.books import judged, make_book


def test_one_line_says_status_severity_title_contributors_and_version() -> None:
    pools = [pool(f"0x{i}", "CRV-WETH") for i in range(3)]
    [opened] = judged(make_book(relate_by=["chain"]), [anomaly(p) for p in pools]).events
    line = describe_incident(opened)
    assert line.startswith("INCIDENT OPEN     sev  90  2026-03-02 10:00 UTC  3 series: ")
    assert "volume_usd 8.0k (" in line
    assert "+3 more" in line
    assert line.endswith(f"| {opened.incident_id} v1")
    assert "\n" not in line
