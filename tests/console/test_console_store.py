"""The console's store: what goes in comes out, filtered and paged; retention; versions."""

from __future__ import annotations

from pathlib import Path

from dexwatch.console.store import queries
from dexwatch.console.store.console_store import ConsoleStore
from dexwatch.console.store.ingest_batch import IngestBatch
from dexwatch.console.store.paging import decode_cursor
from tests.console.events import anomaly, score
from tests.sinks.incidents import incident


def test_pages_cover_every_anomaly_once_newest_first(tmp_path: Path) -> None:
    store = ConsoleStore(tmp_path / "s.sqlite3")
    store.apply(
        IngestBatch(anomalies=[anomaly(pool, hour) for pool in range(5) for hour in range(7)])
    )
    seen: list[str] = []
    cursor = None
    while True:
        window = queries.ListWindow(
            limit=4, cursor=None if cursor is None else decode_cursor(cursor)
        )
        page = queries.anomaly_page(store.reader(), window, queries.AnomalyFilter())
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 35
    times = [item.split('"interval_start":"')[1][:19] for item in seen]
    assert times == sorted(times, reverse=True)


def test_filters_by_dimension_severity_kind_and_time(tmp_path: Path) -> None:
    store = ConsoleStore(tmp_path / "s.sqlite3")
    store.apply(
        IngestBatch(
            anomalies=[
                anomaly(1, 0, severity=50),
                anomaly(1, 1, severity=95),
                anomaly(2, 1, severity=99),
                anomaly(2, 2, kind="no_data", severity=100),
            ]
        )
    )

    def count(window: queries.ListWindow, f: queries.AnomalyFilter) -> int:
        return len(queries.anomaly_page(store.reader(), window, f).items)

    everything = queries.ListWindow()
    assert count(everything, queries.AnomalyFilter(dimensions=(("pool", "0x0001"),))) == 2
    assert count(everything, queries.AnomalyFilter(min_severity=95)) == 3
    assert count(everything, queries.AnomalyFilter(kind="no_data")) == 1
    one_hour = queries.ListWindow(since=int(anomaly(0, 1).interval_start.timestamp() * 1000))
    assert count(one_hour, queries.AnomalyFilter()) == 3


def test_an_incident_keeps_every_version_and_lists_its_latest(tmp_path: Path) -> None:
    store = ConsoleStore(tmp_path / "s.sqlite3")
    # a rebuild may read version 3 before 2 only across partitions; never the list's loss
    store.apply(IngestBatch(incidents=[incident(1, 1), incident(1, 3), incident(1, 2)]))
    detail = queries.incident_detail(store.reader(), incident(1).incident_id)
    assert detail is not None
    assert [v.split('"version":')[1][0] for v in detail.versions] == ["1", "2", "3"]
    page = queries.incident_page(store.reader(), queries.ListWindow(), queries.IncidentFilter())
    assert len(page.items) == 1
    assert '"version":3' in page.items[0]


def test_retention_counts_back_from_each_datasets_newest_time(tmp_path: Path) -> None:
    store = ConsoleStore(tmp_path / "s.sqlite3")
    store.apply(IngestBatch(scores=[score(1, hour) for hour in range(0, 24 * 10, 24)]))
    store.apply(IngestBatch(scores=[score(1, hour, dataset="other") for hour in range(0, 48, 24)]))
    dropped = store.prune(3.0, {"other": 365.0})
    # newest is day 9: days 0..5 are older than 3 days before it
    assert dropped == 6
    points = queries.series_points(
        store.reader(), "pools", "chain=ethereum,pool=0x0001", None, None, 100
    )
    assert len(points) == 4
    assert store.row_counts()["scores"] == 6


def test_offsets_are_written_with_their_batch(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = ConsoleStore(path)
    store.apply(IngestBatch(anomalies=[anomaly(1, 1)], next_offsets={("a", 0): 7, ("a", 1): 3}))
    store.close()
    again = ConsoleStore(path)
    assert again.positions() == {("a", 0): 7, ("a", 1): 3}
    assert again.row_counts()["anomalies"] == 1


def test_a_store_of_another_format_starts_empty_to_be_read_again(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = ConsoleStore(path)
    store.apply(IngestBatch(anomalies=[anomaly(1, 1)], next_offsets={("a", 0): 7}))
    with store._writer as connection:  # as a console of another version would have left it
        connection.execute("UPDATE store_format SET version = 0")
    store.close()
    again = ConsoleStore(path)
    assert again.positions() == {}
    assert again.row_counts()["anomalies"] == 0
