"""The encoded incident state fits its byte budget: the least important parts go first, open
and unsent incidents stay, and a 100,000-series burst stays under the broker's limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dexwatch.schemas import encode
from dexwatch.schemas.metric_event import series_key
from dexwatch.streams.incidents.band_status import BandStatus, BandStatuses
from dexwatch.streams.incidents.book import IncidentBook
from dexwatch.streams.incidents.limits import DEFAULT_LIMITS, IncidentLimits
from dexwatch.streams.incidents.runner import IncidentRunner
from dexwatch.streams.incidents.state import AlertState, decode_state, encode_state
from dexwatch.streams.incidents.state_budget import SHED_PARTS, fit_state
from dexwatch.streams.metrics import WorkerMetrics
from tests.streams.incidents.anomalies import START, STEP, anomaly, feedback_on, pool
from tests.streams.incidents.books import WAIT, dataset, judged

LISTED = 2


def busy_state() -> AlertState:
    """One of each part: a resolved and an open incident with unlisted contributors, N-of-M
    history, feedback offsets and ids, band statuses, and anomalies still waiting."""
    book = IncidentBook(
        dataset(relate_by=["chain"], max_contributors=LISTED, resolve_after="10m", confirm={"m": 3})
    )
    [first] = judged(book, [anomaly(pool(f"0xe{i}", "CRV-WETH")) for i in range(4)]).events
    book.add_feedback(feedback_on(first, "not_relevant", note="known rebalancing"))
    later = START + timedelta(hours=1)
    arbitrum = [pool(f"0xa{i}", "ARB-WETH", chain="arbitrum") for i in range(4)]
    judged(book, [anomaly(p, later) for p in arbitrum], now=10)
    still_out = [
        BandStatus(
            series=series_key(p),
            interval_start=later + STEP,
            interval_end=later + 2 * STEP,
            out=("x",),
        )
        for p in arbitrum
    ]
    book.add_statuses(BandStatuses(dataset="pools", statuses=tuple(still_out)), now=20)
    for index in range(3):
        book.add_anomaly(anomaly(pool(f"0xc{index}", "DAI-USDC"), later + STEP), now=20)
    state = book.state
    assert [r.is_open for r in state.incidents] == [False, True]
    assert all(len(r.contributors) > LISTED for r in state.incidents)
    assert state.pending
    assert state.anomalous_windows
    assert state.offsets
    assert len(state.bands) == len(arbitrum)
    return state


FULL = len(encode_state(busy_state()))


def test_a_state_under_its_budget_is_left_alone() -> None:
    state = busy_state()
    before = encode_state(state)
    fitted = fit_state(state, FULL, LISTED)
    assert (fitted.payload, fitted.shed) == (before, {})


def test_the_first_to_go_are_contributors_nobody_sees() -> None:
    state = busy_state()
    fitted = fit_state(state, FULL - 1, LISTED)
    assert set(fitted.shed) == {"unlisted_contributors"}
    assert [r.contributor_count for r in state.incidents] == [8, 8]  # still says how many


@settings(max_examples=40, deadline=None)
@given(st.integers(2_500, FULL))
def test_any_budget_is_met_least_important_first_keeping_open_incidents(budget: int) -> None:
    state = busy_state()
    open_ids = [r.incident_id for r in state.incidents if r.is_open]
    fitted = fit_state(state, budget, LISTED)
    assert len(fitted.payload) <= budget
    assert decode_state(fitted.payload) == state
    assert list(fitted.shed) == [part for part in SHED_PARTS if part in fitted.shed]
    assert [r.incident_id for r in state.incidents if r.is_open] == open_ids
    assert all(r.contributors and r.anomaly_ids for r in state.incidents)


def test_an_unsent_version_is_never_shed() -> None:
    state = busy_state()
    resolved = state.incidents[0]
    resolved.dirty = True  # e.g. resolved during a maintenance window: its version waits
    fit_state(state, 2_500, LISTED)
    assert resolved in state.incidents


def test_the_runner_sheds_to_its_budget_and_reports_it(caplog: pytest.LogCaptureFixture) -> None:
    metrics = WorkerMetrics()
    limits = IncidentLimits(max_state_bytes=20_000)
    runner = IncidentRunner([dataset(relate_by=[])], metrics, limits)
    stored = None
    for index in range(60):
        value = encode(anomaly(pool(f"0x{index:040x}", "A-B"), severity=40 + index))
        handled = runner.handle("pools", "anomaly", value, stored, 0, 0.0)
        assert handled.state is None or len(handled.state) <= limits.max_state_bytes
        stored = handled.state or stored
    assert stored is not None
    waiting = [a.severity for w in decode_state(stored).pending for a in w.anomalies]
    assert min(waiting) > 40  # the weakest went first
    labels = {"dataset": "pools", "limit": "state_size"}
    shed = metrics.registry.get_sample_value("dexwatch_incident_limit_drops_total", labels)
    suppressed = metrics.registry.get_sample_value(
        "dexwatch_anomalies_suppressed_total", {"dataset": "pools", "reason": "limit"}
    )
    assert shed == suppressed == 60 - len(waiting)
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "limit max_state_bytes=20000 reached" in warning
    assert "pending_anomalies)" in warning
    # Shed anomalies are not held any more: the rebuilt book takes a repeat of one as new.
    last = runner.handle(
        "pools", "anomaly", encode(anomaly(pool(f"0x{0:040x}", "A-B"), severity=99)), stored, 0, 1.0
    )
    assert last.state is not None


@pytest.mark.parametrize("relate_by", [[], ["token", "dex", "chain"]])
def test_a_burst_over_100000_series_stays_under_the_limit(relate_by: list[str]) -> None:
    """Severity 0 passes: every series alerts; alone (relate_by []) or all in one incident."""
    book = IncidentBook(dataset(min_severity=0, relate_by=relate_by))
    limit = DEFAULT_LIMITS.max_state_bytes
    for index in range(100_000):
        dimensions = pool(f"0x{index:040x}", f"T{index % 997}-WETH", dex=f"dex{index % 7}")
        book.add_anomaly(anomaly(dimensions, severity=index % 101), now=0.0)
        if index % 10_000 == 0:
            assert len(encode_state(book.state)) < limit
    assert len(encode_state(book.state)) < limit
    book.advance(WAIT)
    result = book.take_result()
    assert result.suppressed["limit"] >= 99_000
    assert result.events
    assert fit_state(book.state, limit, 20).shed == {}  # the counts alone were enough
    assert len(encode_state(book.state)) < limit
    assert min(c.severity for r in book.state.incidents for c in r.contributors) >= 99
