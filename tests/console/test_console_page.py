"""The console page in headless Chromium, against a console on the real broker: the incident
page draws its series with the expected band and the anomaly marker (checked in the chart's data
and on its canvas), its buttons act through the API, the anomaly list filters by severity, a
series of 10,000 points is drawn whole, and a missing or wrong token is said plainly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from dexwatch.console.topics import ConsoleTopics
from dexwatch.schemas.codec import encode
from dexwatch.schemas.incident import IncidentContributor, IncidentEvent
from tests.console.events import START, anomaly, pool_series, score
from tests.console.page_browser import Page, chromium
from tests.console.running_console import READ, WRITE, RunningConsole, fresh_topics
from tests.sinks.incidents import incident, records
from tests.support.kafka_helpers import produce

pytestmark = pytest.mark.kafka

HOURS = 14 * 24  # pool 1: two weeks of hourly points
SPIKE = 300  # the hour of its anomaly and incident
NORMAL, SPIKED = 300.0, 9000.0  # its band is 100..900 (tests.console.events.score)
LONG = 10_000  # pool 2: the most points a chart asks for
# The incident page draws 3 days before the incident to a day after it resolved.
RESOLVED = SPIKE + 3
CHART_HOURS = range(SPIKE - 72, RESOLVED + 24)


def _incident_versions() -> list[IncidentEvent]:
    series, dimensions = pool_series(1)
    spike = anomaly(1, SPIKE)
    opened = START + timedelta(hours=SPIKE)
    contributor = IncidentContributor(
        series=series,
        dimensions=dimensions,
        measure="volume_usd",
        kind="anomaly",
        value=SPIKED,
        expected_low=100.0,
        expected_high=900.0,
        deviation=6.0,
        severity=spike.severity,
        share=1.0,
        anomaly_id=spike.anomaly_id,
        interval_start=opened,
    )
    common: dict[str, Any] = {
        "dataset": "pools",
        "group": {"chain": "ethereum"},
        "contributors": [contributor],
        "anomaly_ids": [spike.anomaly_id],
        "first_interval_start": opened,
        "interval_start": opened,
        "interval_end": opened + timedelta(hours=1),
        "severity": spike.severity,
    }
    return [
        incident(1, 1, **common),
        incident(1, 2, status="resolved", **common).model_copy(
            update={"resolved_at": START + timedelta(hours=RESOLVED)}
        ),
    ]


def _fill(bootstrap: str, topics: ConsoleTopics) -> str:
    """Pool 1's hours with a spike and its anomaly and incident; pool 2's 10,000 points."""
    scores = [score(1, hour, SPIKED if hour == SPIKE else NORMAL) for hour in range(HOURS)] + [
        score(2, hour, NORMAL) for hour in range(LONG)
    ]
    produce(bootstrap, topics.scores, ((s.series.encode(), encode(s)) for s in scores))
    spike = anomaly(1, SPIKE)
    produce(bootstrap, topics.anomalies, [(spike.series.encode(), encode(spike))])
    versions = _incident_versions()
    produce(bootstrap, topics.alerts, records(versions))
    return versions[0].incident_id


def test_the_page_shows_an_incident_its_chart_and_its_buttons_and_says_when_a_token_is_wrong(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topics = fresh_topics(kafka_bootstrap, unique_name)
    incident_id = _fill(kafka_bootstrap, topics)
    pool1, pool2 = pool_series(1)[0], pool_series(2)[0]
    with RunningConsole(kafka_bootstrap, topics, tmp_path / "console.sqlite3") as console:

        def stored() -> bool:
            status, view = console.call("GET", f"/api/v1/incidents/{incident_id}")
            newest = console.get("/api/v1/series/points", dataset="pools", series=pool2, limit=1)
            last = START + timedelta(hours=LONG - 1)
            return (
                status == 200
                and len(view["versions"]) == 2
                and [p["t"] for p in newest["points"]] == [int(last.timestamp() * 1000)]
            )

        console.wait_for("the console to store the incident and both series", stored, 120)
        with chromium() as driver:
            page = Page(driver, f"http://127.0.0.1:{console.service.port}")

            # The worker's incident link (DEXWATCH_PUBLIC_URL/incidents/<id>) opens the page.
            page.open(f"/incidents/{incident_id}")
            assert page.wait_loaded() == "error"
            assert (page.error() or "").startswith("No token given: paste the console's read token")
            page.use_tokens("not-the-token")
            assert "The console refused the token (403): this token is not valid" in (
                page.error() or ""
            )

            page.use_tokens(READ, WRITE)
            assert page.error() is None
            assert "RESOLVED" in page.text("#incident-status").upper()
            assert pool1 in page.text("#contributors")
            assert [
                li.get_attribute("class")
                for li in driver.find_elements(By.CSS_SELECTOR, "#timeline li")
            ] == ["open", "resolved"]

            chart = page.chart("#incident-chart")
            assert chart == {
                "measure": "volume_usd",
                "points": str(len(CHART_HOURS)),
                "bandPoints": str(len(CHART_HOURS)),
                "anomalies": "1",
                **{
                    k: v
                    for k, v in chart.items()
                    if k not in {"measure", "points", "bandPoints", "anomalies"}
                },
            }
            marked_at = driver.execute_script(
                "const d = window.dexwatchChart.data;"
                "const i = d[4].findIndex(v => v !== null); return [d[0][i], d[4][i]]"
            )
            spike = START + timedelta(hours=SPIKE)
            assert marked_at == [spike.timestamp(), SPIKED]
            # On the canvas: the marker is red where the spike is, and the band is filled.
            red = page.pixel(
                "const d = chart.data, i = d[4].findIndex(v => v !== null);"
                "return [chart.plot.valToPos(d[0][i], 'x', true),"
                " chart.plot.valToPos(d[4][i], 'y', true)]"
            )
            assert red[0] > 150, f"no red marker: {red}"
            assert max(red[1], red[2]) < 110, f"no red marker: {red}"
            band = page.pixel(
                "const d = chart.data;"
                "return [chart.plot.valToPos(d[0][10], 'x', true),"
                " chart.plot.valToPos((d[2][10] + d[3][10]) / 2, 'y', true)]"
            )
            assert band[1] > max(band[0], band[2]) + 8, f"band not filled: {band}"
            screenshot = tmp_path / "incident-page.png"
            assert driver.save_screenshot(str(screenshot))
            print(f"screenshot of the incident page: {screenshot}")

            # The buttons act through the API (the write token), and the page says so.
            driver.find_element(By.ID, "acknowledge").click()
            page.wait_text("#action-result", "Acknowledge: done.")
            page.wait_text("#control", "Acknowledged")
            Select(driver.find_element(By.ID, "snooze-for")).select_by_value("4h")
            driver.find_element(By.ID, "snooze").click()
            page.wait_text("#action-result", "Snooze 4h: done.")
            page.wait_text("#control", "Snoozed until")

            def stored_control() -> bool:
                control = console.get(f"/api/v1/incidents/{incident_id}")["control"]
                return bool(control and control["acknowledged_at"] and control["snoozed_until"])

            console.wait_for("the acknowledgement and the snooze in the store", stored_control)
            driver.find_element(By.ID, "relevant").click()
            page.wait_text("#action-result", "Relevant: done.")

            # The anomaly list, and its severity slider's filter.
            page.open("/?view=anomalies&min_severity=0")
            assert page.error() is None
            assert "pools" in page.text("#datasets")
            assert pool1 in page.text("#anomalies tbody")
            assert driver.find_element(By.ID, "min-severity").get_attribute("value") == "0"
            page.open("/?view=anomalies&min_severity=90")  # the anomaly's severity is 80
            assert page.text("#anomalies tbody") == "No anomaly matches."

            # A series of 10,000 points is drawn whole.
            page.open(f"/?view=series&dataset=pools&series={pool2}")
            long_chart = page.chart("#series-chart")
            assert long_chart["points"] == str(LONG)
            assert long_chart["bandPoints"] == str(LONG - 2)  # none while warming (hours 0, 1)
            assert long_chart["anomalies"] == "0"
