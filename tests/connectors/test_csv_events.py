"""A real export as events: renamed columns, constant dimensions, newest-first rows, bad names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.connectors.csv_events import CsvEvents, CsvLayout
from dexwatch.connectors.file_replay import RejectedRow
from dexwatch.schemas.errors import ConfigError
from dexwatch.schemas.metric_event import MetricEvent
from dexwatch.tabular.column_shape import ColumnShape

T0 = datetime(2023, 3, 10, tzinfo=UTC)
# As exported by a dashboard: names for people, newest first, no pool column.
EXPORT = """Time;Virtual Price;Balance Total
2023-03-10 03:00:00;1.0004;300
2023-03-10 02:00:00;1.0003;bad
2023-03-10 01:00:00;1.0002;200
2023-03-10 00:00:00;1.0001;100
"""
RENAMED = ColumnShape(
    renames=(("Virtual Price", "virtual_price"), ("Balance Total", "balance_total")),
    constants=(("pool", "3pool"),),
)


def read(source: CsvEvents) -> tuple[list[tuple[int, MetricEvent]], list[RejectedRow]]:
    rejected: list[RejectedRow] = []
    events = list(source.events(rejected.append))
    return events, rejected


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_renamed_columns_a_constant_dimension_and_newest_first_rows_sorted(
    tmp_path: Path,
) -> None:
    source = CsvEvents(write(tmp_path, EXPORT), CsvLayout(time_column="Time", shape=RENAMED))
    assert source.dimensions == ("pool",)
    assert source.measures == ("virtual_price", "balance_total"), "every other column"
    events, rejected = read(source)
    assert [line for line, _ in events] == [5, 4, 2]
    assert [event.event_time for _, event in events] == [
        T0,
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=3),
    ]
    assert all(event.dimensions == {"pool": "3pool"} for _, event in events)
    assert events[0][1].measures == {"virtual_price": 1.0001, "balance_total": 100.0}
    assert source.out_of_order == 3
    assert source.sorted
    assert "3 row(s) out of time order: sorted per series" in source.order_summary()
    [bad] = rejected
    assert (bad.line, bad.kind) == (3, "invalid_measure")
    assert bad.text == "2023-03-10 02:00:00,1.0003,bad", "the row as in the file, no constant"


def test_keep_order_sends_the_file_order(tmp_path: Path) -> None:
    layout = CsvLayout(time_column="Time", shape=RENAMED, keep_order=True)
    events, _ = read(CsvEvents(write(tmp_path, EXPORT), layout))
    assert [line for line, _ in events] == [2, 4, 5]
    assert "file order" in CsvEvents(write(tmp_path, EXPORT), layout).order_summary()


def test_each_series_is_sorted_in_the_slots_it_holds(tmp_path: Path) -> None:
    text = "timestamp,pool,v\n" + "".join(
        f"{(T0 + timedelta(hours=hour)).isoformat()},{pool},{hour}\n"
        for hour, pool in [(5, "a"), (0, "b"), (3, "a"), (1, "b"), (4, "a"), (2, "b")]
    )
    source = CsvEvents(write(tmp_path, text), CsvLayout(dimensions=("pool",)))
    events, _ = read(source)
    by_pool = [(event.dimensions["pool"], event.measures["v"]) for _, event in events]
    assert by_pool == [("a", 3), ("b", 0), ("a", 4), ("b", 1), ("a", 5), ("b", 2)]
    assert source.out_of_order == 2


def test_an_ordered_file_is_left_as_it_is(tmp_path: Path) -> None:
    text = "timestamp,v\n2023-03-10T00:00:00Z,1\n2023-03-10T00:00:00Z,2\n2023-03-10T01:00:00Z,3\n"
    source = CsvEvents(write(tmp_path, text), CsvLayout())
    events, _ = read(source)
    assert [event.measures["v"] for _, event in events] == [1, 2, 3], "ties keep file order"
    assert not source.sorted
    assert source.order_summary() == "rows in time order"


def test_names_with_spaces_are_refused_at_once_with_the_renames_that_fix_them(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, EXPORT)
    with pytest.raises(ConfigError) as caught:
        CsvEvents(path, CsvLayout(time_column="Time"))
    message = str(caught.value)
    assert "['Virtual Price', 'Balance Total'] cannot be dimension or measure names" in message
    assert "--rename 'Virtual Price=virtual_price' --rename 'Balance Total=balance_total'" in (
        message
    )


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        (
            CsvLayout(time_column="Time", shape=ColumnShape(renames=(("Price", "price"),))),
            r"--rename Price=price: no column 'Price' in the header",
        ),
        (
            CsvLayout(time_column="Time", measures=("Virtual Price",), shape=RENAMED),
            r"measure 'Virtual Price' is not in the header \['Time', 'virtual_price'",
        ),
        (
            CsvLayout(
                time_column="Time",
                measures=("virtual_price",),
                shape=ColumnShape(renames=RENAMED.renames, constants=(("pool", " " * 300),)),
            ),
            r"cannot make events: dimensions\.pool",
        ),
    ],
)
def test_layouts_that_cannot_work_fail_before_any_row(
    tmp_path: Path, layout: CsvLayout, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        CsvEvents(write(tmp_path, EXPORT), layout)
