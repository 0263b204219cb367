"""The snooze book: the latest control of each incident decides; an ended snooze holds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dexwatch.schemas.incident_control import IncidentControl
from dexwatch.sinks.snooze_book import SnoozeBook

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def control(until: datetime | None, acked: bool = False) -> IncidentControl:
    return IncidentControl(
        incident_id="i-1",
        dataset="pools",
        snoozed_until=until,
        acknowledged_at=NOW if acked else None,
        changed_at=NOW,
    )


def test_the_latest_control_decides_and_an_ended_snooze_holds_nothing() -> None:
    book = SnoozeBook()
    now = NOW.timestamp()
    assert book.snoozed_until("i-1", now) is None
    book.apply("i-1", control(NOW + timedelta(hours=1)))
    assert book.snoozed_until("i-1", now) == now + 3600
    assert book.in_force(now) == 1
    assert book.snoozed_until("i-1", now + 3600) is None  # ended
    assert book.in_force(now + 3600) == 0
    book.apply("i-1", control(None, acked=True))  # unsnoozed, acknowledged
    assert book.snoozed_until("i-1", now) is None
    book.apply("i-1", control(NOW + timedelta(minutes=5)))
    book.apply("i-1", None)  # a tombstone clears it
    assert book.snoozed_until("i-1", now) is None
    assert len(book) == 0
