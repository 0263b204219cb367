"""Reading replay files: valid rows become events in order, bad rows are reported, never fatal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dexwatch.connectors.file_replay import (
    CsvLayout,
    RejectedRow,
    RejectTally,
    ReplayFormat,
    detect_format,
    read_events,
)
from dexwatch.schemas.codec import encode
from dexwatch.schemas.errors import ConfigError, DexwatchError
from dexwatch.schemas.metric_event import MetricEvent

CSV = """timestamp,pool,tvl_usd,volume_usd
2026-01-05T00:00:00Z,p1,100.5,7
2026-01-05 00:05:00,p2,200,8

1767571800,p1,101,9
yesterday,p1,1,1
2026-01-05T00:15:00Z,p1,abc,1
2026-01-05T00:20:00Z,p1,nan,1
2026-01-05T00:25:00Z,p1,1
2026-01-05T00:30:00Z,,1,1
2026-01-05T00:35:00+02:00,p2,3,4
"""


def read(
    path: Path, file_format: ReplayFormat, layout: CsvLayout | None = None
) -> tuple[list[tuple[int, MetricEvent]], list[RejectedRow]]:
    rejected: list[RejectedRow] = []
    events = list(read_events(path, file_format, rejected.append, layout))
    return events, rejected


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_become_events_and_bad_rows_are_reported_with_their_line(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "pools.csv", CSV)
    layout = CsvLayout(dimensions=("pool",), source="backfill", keep_order=True)
    events, rejected = read(path, "csv", layout)
    assert [line for line, _ in events] == [2, 3, 5, 11]
    first = events[0][1]
    assert first.event_time == datetime(2026, 1, 5, tzinfo=UTC)
    assert first.dimensions == {"pool": "p1"}
    assert first.measures == {"tvl_usd": 100.5, "volume_usd": 7.0}
    assert first.source == "backfill"
    assert events[1][1].event_time == datetime(2026, 1, 5, 0, 5, tzinfo=UTC), "naive is UTC"
    assert events[2][1].event_time == datetime(2026, 1, 5, 0, 10, tzinfo=UTC), "epoch seconds"
    assert events[3][1].event_time == datetime(2026, 1, 4, 22, 35, tzinfo=UTC), "offset kept"
    assert [(row.line, row.kind) for row in rejected] == [
        (6, "invalid_time"),
        (7, "invalid_measure"),
        (8, "invalid_measure"),
        (9, "wrong_field_count"),
        (10, "invalid_event"),
    ]
    assert "'yesterday'" in rejected[0].reason
    assert rejected[0].text == "yesterday,p1,1,1"
    assert "measure 'tvl_usd' is not a number: 'abc'" in rejected[1].reason
    assert "not a finite number" in rejected[2].reason
    assert "dimensions.pool" in rejected[4].reason


def test_csv_measures_default_to_every_other_column_or_are_chosen(tmp_path: Path) -> None:
    path = write(tmp_path, "pools.csv", CSV)
    events, _ = read(path, "csv", CsvLayout(dimensions=("pool",)))
    assert set(events[0][1].measures) == {"tvl_usd", "volume_usd"}
    events, rejected = read(path, "csv")
    assert not events, "without --dimensions, pool is a measure, and not a number"
    assert {row.kind for row in rejected} >= {"invalid_measure"}
    events, _ = read(path, "csv", CsvLayout(dimensions=("pool",), measures=("volume_usd",)))
    assert events[0][1].measures == {"volume_usd": 7.0}


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        (CsvLayout(time_column="ts"), r"time column 'ts' is not in the header"),
        (CsvLayout(dimensions=("chain",)), r"dimension 'chain' is not in the header"),
        (CsvLayout(measures=("fees",)), r"measure 'fees' is not in the header"),
        (CsvLayout(dimensions=("pool",), measures=("pool",)), r"\['pool'\] named twice"),
        (CsvLayout(dimensions=("pool", "tvl_usd", "volume_usd")), r"no column is left for meas"),
    ],
)
def test_csv_columns_that_cannot_work_fail_once_before_any_row(
    tmp_path: Path, layout: CsvLayout, message: str
) -> None:
    path = write(tmp_path, "pools.csv", CSV)
    with pytest.raises(ConfigError, match=message):
        read(path, "csv", layout)


def test_a_column_name_that_is_no_measure_name_fails_once(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.csv", "timestamp,volume in usd\n1767571200,1\n")
    with pytest.raises(ConfigError, match=r"\['volume in usd'\] cannot be dimension or measure"):
        read(path, "csv")


def test_csv_without_a_header_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DexwatchError, match="header"):
        read(write(tmp_path, "empty.csv", ""), "csv")


def test_json_lines_keep_each_event_and_report_bad_lines(tmp_path: Path) -> None:
    event = MetricEvent(
        event_time=datetime(2026, 1, 5, 12, tzinfo=UTC),
        source="my-app",
        dimensions={"pool": "p1"},
        measures={"volume_usd": 1.5},
        event_id="e-1",
    )
    lines = [
        encode(event).decode(),
        "",
        "{not json",
        '{"event_time": 1767614400000, "source": "ms", "measures": {"x": 1}}',
        '{"event_time": "2026-01-05T12:00:00Z", "source": "s", "measures": {"x": "1"}}',
        "[1, 2]",
    ]
    path = write(tmp_path, "events.jsonl", "\n".join(lines) + "\n")
    path.write_bytes(path.read_bytes() + b'{"source": "\xff"}\n')
    events, rejected = read(path, "jsonl")
    assert events[0] == (1, event)
    assert events[1][0] == 4
    assert events[1][1].event_time == datetime(2026, 1, 5, 12, tzinfo=UTC), "milliseconds"
    assert [(row.line, row.kind) for row in rejected] == [
        (3, "invalid_json"),
        (5, "invalid_schema"),
        (6, "invalid_schema"),
        (7, "invalid_json"),
    ]
    assert rejected[0].text == "{not json"
    assert "measures.x" in rejected[1].reason


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DexwatchError, match="cannot read"):
        read(tmp_path / "missing.jsonl", "jsonl")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.csv", "csv"), ("a.CSV", "csv"), ("a.jsonl", "jsonl"), ("a.ndjson", "jsonl")],
)
def test_format_comes_from_the_name(name: str, expected: str) -> None:
    assert detect_format(Path(name)) == expected


def test_an_unknown_name_asks_for_format() -> None:
    with pytest.raises(ConfigError, match="--format csv or --format jsonl"):
        detect_format(Path("events.txt"))


def test_tally_summary_counts_by_kind() -> None:
    tally = RejectTally()
    assert tally.summary() == "no bad rows"
    for kind in ("invalid_time", "invalid_json", "invalid_time"):
        tally.add(RejectedRow(1, kind, "why", ""))
    assert tally.total == 3
    assert tally.summary() == "3 bad row(s) (invalid_json: 1, invalid_time: 2)"
