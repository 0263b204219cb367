"""Whole collections are read by id cursor, never `skip`, with `first` at most 1000."""

from __future__ import annotations

from tests.connectors.thegraph.conftest import V3_ID, Harness


def test_more_than_a_thousand_rows_are_read_page_by_page(harness: Harness) -> None:
    settings = harness.settings(transactions_backfill_s=12 * 3600, max_window_s=12 * 3600)
    [report] = harness.poll(settings)
    assert report.block is not None
    until = report.block.timestamp
    expected = harness.transaction_ids(V3_ID, until - 12 * 3600, until)
    assert len(expected) > 1500
    transactions = harness.sink.of("transaction")
    assert {transaction.upstream_id for transaction in transactions} == expected
    assert len({transaction.event_id for transaction in transactions}) == len(expected)

    requests = harness.control.requests
    assert all(request.variables.get("first", 0) <= 1000 for request in requests)
    assert not any("skip" in request.query for request in requests)
    swap_cursors = [r.variables["after_swap"] for r in requests if "after_swap" in r.variables]
    assert len(swap_cursors) >= 2
    assert swap_cursors[0] == ""
    assert swap_cursors[1] != ""


def test_small_pages_give_the_same_records(harness: Harness) -> None:
    big = harness.poll()
    big_records = [(kind, record) for kind, _topic, _key, record in harness.sink.records]
    harness.sink.records.clear()
    harness.checkpoint.unlink()
    first_small_request = len(harness.control.requests)
    small = harness.poll(harness.settings(page_size=29))
    small_records = [(kind, record) for kind, _topic, _key, record in harness.sink.records]
    assert small == big
    assert sorted(small_records, key=repr) == sorted(big_records, key=repr)
    paged = [r.variables["first"] for r in harness.control.requests[first_small_request + 1 :]]
    assert len(paged) > 6
    assert set(paged) == {29}
