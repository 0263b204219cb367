"""Rows out of time order: counted per series, sorted per series in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dexwatch.tabular.csv_input import CsvRecord
from dexwatch.tabular.row_order import LateRows, OrderKey, RowOrder, sorted_per_series

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_row_is_late_only_against_its_own_series_latest() -> None:
    late = LateRows()
    seen = [
        late.see(("a",), at(10)),
        late.see(("b",), at(0)),  # another series: not late
        late.see(("a",), at(10)),  # a tie: in order
        late.see(("a",), at(5)),
        late.see(("a",), at(7)),  # still before a's latest (10)
        late.see(("a",), at(11)),
    ]
    assert seen == [False, False, False, True, True, False]


def test_each_series_is_sorted_stably_into_its_own_slots() -> None:
    records: list[CsvRecord] = [(line, [str(line)], None) for line in range(2, 8)]
    keys: list[OrderKey] = [
        (("a",), at(3)),
        (("b",), at(1)),
        None,  # no readable time: stays put
        (("a",), at(1)),
        (("a",), at(3)),
        (("b",), at(0)),
    ]
    lines = [record[0] for record in sorted_per_series(records, keys)]
    assert lines == [5, 7, 4, 2, 6, 3]


def test_the_summary_says_what_was_found_and_done() -> None:
    assert RowOrder().summary() == "rows in time order"
    assert RowOrder(1_200, sorted=True).summary() == (
        "1,200 row(s) out of time order: sorted per series (--keep-order scores in file order)"
    )
    assert RowOrder(3).summary() == "3 row(s) out of time order: scored in file order"
