"""Each bound on a dataset's incident state bites, says so, and keeps what matters most."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dexwatch.schemas import encode
from dexwatch.streams.datasets.alerting_config import ConfirmationConfig, FeedbackConfig
from dexwatch.streams.incidents.book import IncidentBook
from dexwatch.streams.incidents.confirmation import Confirmation
from dexwatch.streams.incidents.feedback_book import FeedbackBook
from dexwatch.streams.incidents.limit_reports import WARN_EVERY_S
from dexwatch.streams.incidents.limits import IncidentLimits
from dexwatch.streams.incidents.runner import IncidentRunner
from dexwatch.streams.incidents.state import decode_state, encode_state
from dexwatch.streams.metrics import WorkerMetrics
from tests.streams.incidents.anomalies import START, STEP, anomaly, feedback_on, pool
from tests.streams.incidents.books import WAIT, dataset, judged, make_book

POOLS = [pool(f"0x{index:04x}", f"T{index}-WETH") for index in range(12)]


def sample(metrics: WorkerMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_open_incidents must be at least 1"):
        IncidentLimits(max_open_incidents=0)


def test_pending_anomalies_are_bounded_and_the_weakest_make_way() -> None:
    book = make_book(relate_by=[], limits=IncidentLimits(max_pending_anomalies=3))
    severities = [60, 90, 70, 50, 95]
    for index, severity in enumerate(severities):
        book.add_anomaly(anomaly(POOLS[index], severity=severity), now=0.0)
    waiting = [a.severity for window in book.state.pending for a in window.anomalies]
    assert sorted(waiting) == [70, 90, 95]
    book.add_anomaly(anomaly(POOLS[0], severity=60), now=0.5)  # dropped before: not a repeat
    book.advance(WAIT)
    result = book.take_result()
    assert sorted(e.severity for e in result.events) == [70, 90, 95]
    assert result.suppressed == {"limit": 3}
    assert result.limited == {"pending_anomalies": 3}


def test_open_incidents_are_bounded_and_the_strongest_groups_open() -> None:
    book = make_book(relate_by=[], limits=IncidentLimits(max_open_incidents=2))
    severities = [60, 90, 70, 95]
    result = judged(book, [anomaly(POOLS[i], severity=s) for i, s in enumerate(severities)])
    assert sorted(e.severity for e in result.events) == [90, 95]
    assert (result.suppressed, result.limited) == ({"limit": 2}, {"open_incidents": 2})
    # An anomaly that joins an open incident still gets in.
    later = judged(book, [anomaly(POOLS[1], START + STEP, severity=99)], now=10)
    assert [e.status for e in later.events] == ["updated"]
    assert later.limited == {}


def test_contributors_are_bounded_and_the_incident_counts_them_all() -> None:
    book = make_book(relate_by=["chain"], limits=IncidentLimits(max_tracked_contributors=3))
    moves = [{"volume_usd": float(10 + i), "tx_count": float(i)} for i in range(5)]
    first = judged(book, [anomaly(POOLS[i], moves=m) for i, m in enumerate(moves)])
    [event] = first.events
    [record] = book.state.incidents
    assert len(record.contributors) == 3
    assert record.contributor_count == 10  # 5 pools x 2 measures
    assert first.limited == {"contributors": 7}
    assert [c.measure for c in event.contributors] == ["volume_usd"] * 3  # the strongest
    assert event.title.startswith("3+ series: volume_usd")
    # The same pools again: still 10, not 20 (a series dropped before is not counted twice).
    later = [anomaly(POOLS[i], START + STEP, moves=m) for i, m in enumerate(moves)]
    again = judged(book, later, now=10)
    assert book.state.incidents[0].contributor_count == 10
    assert again.limited == {"contributors": 7}


def test_confirmation_history_is_bounded_least_recent_first() -> None:
    confirmation = Confirmation(ConfirmationConfig(n=2, m=5), {})
    confirmation.record("b", 1)
    confirmation.record("a", 1)
    confirmation.record("c", 3)
    assert confirmation.bound(3) == 0
    assert confirmation.bound(2) == 1
    assert set(confirmation.windows) == {"b", "c"}  # a and b tie; the key decides
    book = make_book(
        relate_by=[],
        confirm={"n": 2, "m": 3},
        limits=IncidentLimits(max_confirmation_series=2),
    )
    result = judged(book, [anomaly(p) for p in POOLS[:4]])
    assert len(book.state.anomalous_windows) == 2
    assert result.limited == {"confirmation_series": 2}


def test_feedback_offsets_are_bounded_oldest_first() -> None:
    book = FeedbackBook(FeedbackConfig(), {})
    for hours, target in enumerate(["x", "y", "z"]):
        book.apply("not_relevant", target, START + timedelta(hours=hours))
    assert book.bound(2) == 1
    assert set(book.offsets) == {"y", "z"}
    incidents = make_book(relate_by=["chain"], limits=IncidentLimits(max_feedback_offsets=3))
    [event] = judged(incidents, [anomaly(p) for p in POOLS[:2]]).events
    incidents.add_feedback(feedback_on(event, "not_relevant"))
    assert len(incidents.state.offsets) == 3
    assert incidents.take_result().limited == {"feedback_offsets": 1}


def test_a_state_from_before_the_count_reads_as_its_tracked_contributors() -> None:
    config = dataset(relate_by=["chain"])
    book = IncidentBook(config)
    judged(book, [anomaly(POOLS[0])])
    stored = encode_state(book.state).replace(b'"contributor_count":2,', b"")
    assert b"contributor_count" not in stored
    older = IncidentBook(config, decode_state(stored))
    assert older.state.incidents[0].contributor_count == 0
    [updated] = judged(older, [anomaly(POOLS[1], START + STEP)], now=10).events
    assert updated.title.startswith("2 series: ")
    assert older.state.incidents[0].contributor_count == 4


def test_a_bound_that_bites_is_counted_and_logged_at_most_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = WorkerMetrics()
    limits = IncidentLimits(max_pending_anomalies=1)
    runner = IncidentRunner([dataset(group_wait="10m")], metrics, limits)
    labels = {"dataset": "pools", "limit": "open_incidents"}
    assert sample(metrics, "dexwatch_incident_limit_drops_total", **labels) == 0  # shown at 0
    stored = None
    for index, now in enumerate([0.0, 0.5, 1.0, 1.5 + WARN_EVERY_S]):
        value = encode(anomaly(POOLS[index], severity=80))
        stored = runner.handle("pools", "anomaly", value, stored, 0, now).state or stored
    labels["limit"] = "pending_anomalies"
    assert sample(metrics, "dexwatch_incident_limit_drops_total", **labels) == 3
    suppressed = {"dataset": "pools", "reason": "limit"}
    assert sample(metrics, "dexwatch_anomalies_suppressed_total", **suppressed) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2  # the first bite, then the rest a minute later
    assert warnings[0].startswith(
        "dataset pools: incident state limit max_pending_anomalies=1 reached, 1 dropped: "
    )
    assert "2 dropped" in warnings[1]
    assert "raise alerting.min_severity" in warnings[1]
