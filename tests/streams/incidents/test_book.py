"""One dataset's incidents: grouping, lifecycle, thresholds, silences and feedback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dexwatch.schemas import IncidentEvent
from dexwatch.schemas.feedback import FeedbackVerdict
from dexwatch.streams.incidents.book import IncidentBook
from tests.streams.incidents.anomalies import START, STEP, anomaly, feedback_on, pool
from tests.streams.incidents.books import WAIT, judged, make_book

CRV = pool("0xaaa1", "CRV-WETH", dex="uniswap-v3")
WBTC = pool("0xbbb2", "WBTC-WETH", dex="sushiswap")
DAI = pool("0xccc3", "DAI-USDC", dex="curve")
ARB = pool("0xddd4", "WETH-USDT", dex="uniswap-v3", chain="arbitrum")


def groups(events: list[IncidentEvent]) -> list[set[str]]:
    return sorted(({c.dimensions["pool"] for c in e.contributors} for e in events), key=sorted)


def opened(events: list[IncidentEvent]) -> list[IncidentEvent]:
    return [event for event in events if event.status == "open"]


def verdict(
    book: IncidentBook, incident: IncidentEvent, said: FeedbackVerdict, at: float = 0.0
) -> None:
    given_at = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(seconds=at)
    book.add_feedback(feedback_on(incident, said, given_at))


def test_the_group_wait_collects_a_window_before_anything_is_sent() -> None:
    book = make_book(relate_by=["chain"])
    book.add_anomaly(anomaly(CRV), now=100.0)
    book.advance(100.5)
    book.add_anomaly(anomaly(WBTC), now=101.0)  # a moment later, from another partition
    book.advance(101.5)
    assert book.take_result().events == []
    book.advance(100.0 + WAIT)
    [first] = book.take_result().events
    assert groups([first]) == [{"0xaaa1", "0xbbb2"}]


@pytest.mark.parametrize(
    ("relate_by", "expected"),
    [
        # CRV-WETH, WBTC-WETH and ARB's WETH-USDT share WETH; DAI-USDC shares no token.
        (["token"], [{"0xaaa1", "0xbbb2", "0xddd4"}, {"0xccc3"}]),
        (["dex"], [{"0xaaa1", "0xddd4"}, {"0xbbb2"}, {"0xccc3"}]),
        (["chain"], [{"0xaaa1", "0xbbb2", "0xccc3"}, {"0xddd4"}]),
        ([], [{"0xaaa1"}, {"0xbbb2"}, {"0xccc3"}, {"0xddd4"}]),
    ],
)
def test_anomalies_of_one_interval_group_by_their_relations(
    relate_by: list[str], expected: list[set[str]]
) -> None:
    book = make_book(relate_by=relate_by)
    events = judged(book, [anomaly(p) for p in (CRV, WBTC, DAI, ARB)]).events
    assert groups(events) == sorted(expected, key=sorted)
    assert all(e.status == "open" and e.version == 1 for e in events)


def test_a_group_names_what_its_contributors_share() -> None:
    [weth] = [
        e for e in judged(make_book(relate_by=["token"]), [anomaly(CRV), anomaly(WBTC)]).events
    ]
    assert weth.group == {"chain": "ethereum", "token": "WETH"}
    assert weth.title == "2 series: volume_usd, tx_count (chain=ethereum,token=WETH)"
    [alone] = judged(make_book(relate_by=["chain"]), [anomaly(DAI)]).events
    assert alone.group["pool"] == "0xccc3"
    assert alone.title.startswith("chain=ethereum,dex=curve,pair=DAI-USDC,pool=0xccc3: ")


def test_contributors_are_ranked_with_shares_summing_to_one() -> None:
    book = make_book(relate_by=["chain"])
    strong = anomaly(CRV, severity=95, moves={"volume_usd": 12.0, "tx_count": 3.0})
    weak = anomaly(WBTC, severity=60, moves={"tx_count": 2.0})
    [first] = judged(book, [weak, strong]).events
    assert [(c.dimensions["pool"], c.measure) for c in first.contributors] == [
        ("0xaaa1", "volume_usd"),
        ("0xaaa1", "tx_count"),
        ("0xbbb2", "tx_count"),
    ]
    assert sum(c.share for c in first.contributors) == pytest.approx(1.0)
    assert first.contributors[0].share == pytest.approx(0.95 * 12 / (0.95 * 15 + 0.6 * 2))
    assert first.severity == 95
    assert sorted(first.anomaly_ids) == sorted([strong.anomaly_id, weak.anomaly_id])


def test_an_incident_opens_updates_and_resolves_after_quiet_event_time() -> None:
    book = make_book(relate_by=["chain"], resolve_after="15m")
    [first] = judged(book, [anomaly(CRV)]).events
    [updated] = judged(book, [anomaly(WBTC, START + STEP)], now=10).events
    assert (updated.incident_id, updated.version, updated.status) == (
        first.incident_id,
        2,
        "updated",
    )
    assert groups([updated]) == [{"0xaaa1", "0xbbb2"}]
    assert (updated.first_interval_start, updated.interval_start) == (START, START + STEP)
    quiet_until = START + 2 * STEP + timedelta(minutes=15)
    book.observe_watermark(quiet_until - timedelta(seconds=1))
    book.advance(20)
    assert book.take_result().events == []
    assert book.open_count == 1
    book.observe_watermark(quiet_until)
    book.advance(21)
    result = book.take_result()
    [resolved] = result.events
    assert (resolved.version, resolved.status, resolved.resolved_at) == (3, "resolved", quiet_until)
    assert result.resolved == 1
    assert book.open_count == 0
    [again] = judged(book, [anomaly(CRV, START + timedelta(hours=2))], now=30).events
    assert again.incident_id != first.incident_id
    assert again.status == "open"


def test_a_new_version_only_when_there_is_news() -> None:
    book = make_book(relate_by=["chain"], resolve_after="15m")
    [first] = judged(book, [anomaly(CRV, severity=80)]).events
    # The same series again at the same severity (a rule firing on every interval of a
    # depeg): kept in the incident, sent nowhere.
    assert judged(book, [anomaly(CRV, START + STEP, severity=80)], now=10).events == []
    [stronger] = judged(book, [anomaly(CRV, START + 2 * STEP, severity=95)], now=20).events
    assert (stronger.version, stronger.severity) == (2, 95)
    assert stronger.interval_start == START + 2 * STEP
    [joined] = judged(book, [anomaly(WBTC, START + 3 * STEP, severity=60)], now=30).events
    assert (joined.version, groups([joined])) == (3, [{"0xaaa1", "0xbbb2"}])
    assert first.incident_id == stronger.incident_id == joined.incident_id


def test_a_window_in_its_group_wait_holds_back_resolutions() -> None:
    book = make_book(relate_by=["chain"], resolve_after="5m")
    judged(book, [anomaly(CRV)])
    book.add_anomaly(anomaly(WBTC, START + STEP), now=5)  # still in its group wait
    book.observe_watermark(START + timedelta(hours=1))
    book.advance(5.5)
    assert book.take_result().events == []  # held back by the pending window
    book.advance(5 + WAIT)
    [last] = book.take_result().events  # the update and the resolution: one version
    assert (last.version, last.status) == (2, "resolved")
    assert groups([last]) == [{"0xaaa1", "0xbbb2"}]
    assert last.resolved_at == START + 2 * STEP + timedelta(minutes=5)


def test_interval_none_incidents_resolve_on_the_wall_clock_too() -> None:
    book = make_book(interval="none", relate_by=["chain"], resolve_after="1m")
    judged(book, [anomaly(CRV, length=timedelta(0))], now=0)  # judged at WAIT
    book.advance(WAIT + 59)
    assert book.take_result().events == []
    book.advance(WAIT + 60)
    [resolved] = book.take_result().events
    assert resolved.status == "resolved"


def test_below_min_severity_never_alerts() -> None:
    book = make_book(min_severity=70)
    result = judged(book, [anomaly(CRV, severity=69), anomaly(WBTC, severity=70)])
    assert groups(result.events) == [{"0xbbb2"}]
    assert result.suppressed == {"below_severity": 1}


def test_n_of_m_confirmation_alerts_on_the_second_of_three() -> None:
    book = make_book(relate_by=[], confirm={"n": 2, "m": 3})
    first = judged(book, [anomaly(CRV), anomaly(WBTC)])
    assert (first.events, first.suppressed) == ([], {"unconfirmed": 2})
    # CRV again two windows later: 2 of its last 3; WBTC three windows later: 1 of 3.
    later = judged(book, [anomaly(CRV, START + 2 * STEP)], now=10)
    assert groups(later.events) == [{"0xaaa1"}]
    last = judged(book, [anomaly(WBTC, START + 3 * STEP)], now=20)
    assert (last.events, last.suppressed) == ([], {"unconfirmed": 1})


def test_cooldown_holds_back_a_new_incident_of_the_same_series() -> None:
    book = make_book(relate_by=["chain"], resolve_after="5m", cooldown="1h")
    judged(book, [anomaly(CRV), anomaly(WBTC)])
    book.observe_watermark(START + timedelta(minutes=30))
    book.advance(5)
    [resolved] = book.take_result().events
    assert resolved.resolved_at == START + STEP + timedelta(minutes=5)
    soon = judged(book, [anomaly(CRV, START + timedelta(minutes=40))], now=10)
    assert (soon.events, soon.suppressed) == ([], {"cooldown": 1})
    other = judged(book, [anomaly(DAI, START + timedelta(minutes=45))], now=20)
    assert groups(other.events) == [{"0xccc3"}]  # another series and group: not cooling
    later = judged(book, [anomaly(CRV, START + timedelta(hours=2))], now=30)
    assert groups(opened(later.events)) == [{"0xaaa1"}]


def test_nothing_is_sent_in_a_maintenance_window() -> None:
    window = {"start": "2026-03-02T10:30:00Z", "end": "2026-03-02T11:00:00Z"}
    book = make_book(relate_by=["chain"], resolve_after="10m", maintenance=[window])
    judged(book, [anomaly(CRV)])
    inside = judged(book, [anomaly(WBTC, START + timedelta(minutes=35))], now=10)
    assert (inside.events, inside.suppressed) == ([], {"maintenance": 1})
    assert book.open_count == 0  # resolved at 10:15 in event time, but not sent yet
    book.observe_watermark(START + timedelta(minutes=59))
    book.advance(20)
    assert book.take_result().events == []
    book.observe_watermark(START + timedelta(hours=1))
    book.advance(30)
    [resolved] = book.take_result().events
    assert (resolved.status, resolved.version) == ("resolved", 2)


def test_not_relevant_suppresses_the_same_series_and_relevant_restores_them() -> None:
    book = make_book(relate_by=["chain"], resolve_after="10m")
    [first] = judged(book, [anomaly(CRV), anomaly(WBTC)]).events
    verdict(book, first, "not_relevant")
    book.advance(1)
    result = book.take_result()
    [noted] = result.events
    assert (noted.version, [f.verdict for f in noted.feedback]) == (2, ["not_relevant"])
    assert result.feedback == ["not_relevant"]
    day = timedelta(days=1)
    quiet = judged(book, [anomaly(CRV, START + day), anomaly(WBTC, START + day)], now=10)
    assert quiet.suppressed == {"feedback": 2}
    assert [e.status for e in quiet.events] == ["resolved"]  # the first one, resolved first
    # A series without feedback still alerts in that interval.
    [fresh] = judged(book, [anomaly(DAI, START + day)], now=20).events
    assert fresh.severity_offset == 0
    verdict(book, first, "relevant", at=1)
    book.advance(21)
    [recorded] = book.take_result().events
    assert [f.verdict for f in recorded.feedback] == ["not_relevant", "relevant"]
    [back] = opened(judged(book, [anomaly(CRV, START + 2 * day)], now=30).events)
    assert groups([back]) == [{"0xaaa1"}]
    assert -60 < back.severity_offset <= 0


def test_feedback_is_per_measure_and_a_repeat_counts_once() -> None:
    book = make_book(relate_by=["chain"])
    [first] = judged(book, [anomaly(CRV, moves={"volume_usd": 7.0})]).events
    verdict(book, first, "not_relevant")
    verdict(book, first, "not_relevant")  # the same feedback id: a retried send
    book.advance(1)
    assert book.take_result().feedback == ["not_relevant"]
    later = START + timedelta(hours=3)
    [trades] = opened(judged(book, [anomaly(CRV, later)], now=10).events)
    assert [c.measure for c in trades.contributors] == ["tx_count"]  # volume_usd needs 110


def test_a_repeated_anomaly_is_one_contributor() -> None:
    book = make_book()
    repeated = anomaly(CRV)
    [first] = judged(book, [repeated, repeated]).events
    assert first.anomaly_ids == [repeated.anomaly_id]
    assert judged(book, [repeated], now=10).events == []


def test_a_no_data_signal_is_a_contributor_without_a_measure() -> None:
    [silent] = judged(make_book(), [anomaly(CRV, moves={})]).events
    [contributor] = silent.contributors
    assert (contributor.measure, contributor.kind, contributor.share) == (None, "no_data", 1.0)
    assert "no data" in silent.title
