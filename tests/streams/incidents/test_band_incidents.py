"""Incidents last as long as the anomaly: open while a series is heard outside its band, even
with no new anomaly; resolved `resolve_after` after it is back inside; the quiet rule for a
series that stops reporting; statuses and anomalies in either order; a bounded state."""

from __future__ import annotations

from datetime import datetime, timedelta

from dexwatch.schemas import IncidentEvent
from dexwatch.schemas.metric_event import series_key
from dexwatch.streams.incidents.band_book import STALE_WAIT_S, UNLINKED_KEEP_S
from dexwatch.streams.incidents.band_status import BandStatus, BandStatuses
from dexwatch.streams.incidents.book import IncidentBook
from dexwatch.streams.incidents.limits import IncidentLimits
from tests.streams.incidents.anomalies import START, STEP, anomaly, pool
from tests.streams.incidents.books import WAIT, make_book

POOL = pool("0xa", "USDC-USDT")
SERIES = series_key(POOL)
RESOLVE = timedelta(minutes=30)  # 6 steps; heartbeat 15 minutes, stale after 55 minutes


def _book(limits: IncidentLimits | None = None) -> IncidentBook:
    if limits is None:
        return make_book(resolve_after="30m")
    return make_book(limits=limits, resolve_after="30m")


def _at(step: int) -> datetime:
    return START + step * STEP


def _status(
    book: IncidentBook, step: int, out: bool, now: float = 0.0, series: str = SERIES
) -> None:
    """The scorer's status of the interval at `step`."""
    status = BandStatus(
        series=series,
        interval_start=_at(step),
        interval_end=_at(step + 1),
        out=("volume_usd",) if out else (),
    )
    book.add_statuses(BandStatuses(dataset="pools", statuses=(status,)), now)


def _until(book: IncidentBook, step: int, now: float = WAIT) -> list[IncidentEvent]:
    """The watermark reaches the end of `step`'s interval; the versions sent."""
    book.observe_watermark(_at(step + 1))
    book.advance(now)
    return book.take_result().events


def _opened(book: IncidentBook) -> IncidentEvent:
    book.add_anomaly(anomaly(POOL, _at(0)), 0.0)
    [opened] = _until(book, 0)
    assert opened.status == "open"
    return opened


def test_an_incident_stays_open_while_its_series_is_heard_out_and_resolves_after_it_is_back() -> (
    None
):
    book = _book()
    _opened(book)
    for step in range(1, 40):  # ten hours out, no new anomaly (the repeat guard)
        if step % 2 == 0:
            _status(book, step, out=True)  # a heartbeat every 30 minutes
        assert _until(book, step) == [], f"a version at step {step}"
    _status(book, 40, out=False)  # back inside from step 40 on
    for step in range(40, 45):
        assert _until(book, step) == []
    [resolved] = _until(book, 45)  # 30 minutes (6 steps) inside: the end of step 45
    assert resolved.status == "resolved"
    assert resolved.resolved_at == _at(40) + RESOLVE
    assert SERIES in book.state.bands  # the incident is over, but its anomaly may be late
    book.advance(UNLINKED_KEEP_S)
    assert SERIES in book.state.bands  # pruned on ticks, not on every input of a burst
    book.observe_watermark(None)
    book.advance(UNLINKED_KEEP_S)
    assert book.state.bands == {}


def test_without_statuses_the_quiet_rule_resolves_as_before() -> None:
    book = _book()
    _opened(book)
    assert all(_until(book, step) == [] for step in range(1, 6))
    [resolved] = _until(book, 6)
    assert resolved.resolved_at == _at(1) + RESOLVE


def test_a_series_that_stops_reporting_out_resolves_on_quiet_from_when_it_was_last_heard() -> None:
    book = _book()
    _opened(book)
    _status(book, 2, out=True)  # heard out at the end of step 2, then silent
    # stale after 55 minutes (11 steps): still open until the clock passes _at(3) + 55 min
    assert all(_until(book, step) == [] for step in range(3, 13))
    # ... and a minute of wall clock passed (a replay's clock runs ahead of statuses)
    assert _until(book, 13, now=STALE_WAIT_S - 1) == []
    [resolved] = _until(book, 13, now=STALE_WAIT_S)
    assert resolved.resolved_at == _at(3) + RESOLVE


def test_a_status_before_its_anomaly_and_an_anomaly_after_a_newer_status_count_by_event_time() -> (
    None
):
    book = _book()
    _status(book, 1, out=True)  # the scorer's status arrives before the anomaly it follows
    _status(book, 3, out=False)
    _status(book, 2, out=True)  # older than what the book holds: ignored
    book.add_anomaly(anomaly(POOL, _at(0)), 0.0)
    book.observe_watermark(_at(4))
    book.advance(WAIT / 2)
    assert book.take_result().events == []  # nothing before the group wait
    book.advance(WAIT)
    [opened] = book.take_result().events
    assert opened.status == "open"
    assert all(_until(book, step) == [] for step in range(4, 8))
    [resolved] = _until(book, 8)  # inside from step 3: resolved at _at(3) + 30 minutes
    assert resolved.resolved_at == _at(3) + RESOLVE


def test_a_new_anomaly_after_back_inside_keeps_the_incident_open() -> None:
    book = _book()
    _opened(book)
    _status(book, 1, out=False)
    assert _until(book, 3) == []
    book.add_anomaly(anomaly(POOL, _at(4), severity=95), 10.0)  # out again, stronger
    [updated] = _until(book, 4, now=10.0 + WAIT)
    assert (updated.status, updated.severity) == ("updated", 95)
    _status(book, 5, out=True)
    assert all(_until(book, step, now=20.0) == [] for step in range(5, 12))
    _status(book, 12, out=False)
    [resolved] = _until(book, 18, now=20.0)
    assert resolved.resolved_at == _at(12) + RESOLVE


def test_statuses_of_unrelated_series_are_kept_a_while_then_dropped_and_bounded() -> None:
    book = _book(IncidentLimits(max_band_series=3))
    for index in range(5):
        _status(book, 0, out=index % 2 == 0, series=f"other{index}")
    book.advance(1.0)
    result = book.take_result()
    assert result.limited["band_series"] == 2
    assert sorted(book.state.bands) == ["other0", "other2", "other4"]  # the out ones kept
    book.observe_watermark(None)  # a tick
    book.advance(1.0 + UNLINKED_KEEP_S)
    assert book.state.bands == {}
    book.add_statuses(BandStatuses(dataset="another", statuses=()), 0.0)  # not this dataset's
