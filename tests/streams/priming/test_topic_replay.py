"""Replaying a topic through the worker's handler: the same verdicts as the file backtest,
the right slice for a start offset or time, and a bounded read (real broker)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.connectors.file_replay import CsvLayout, read_events
from dexwatch.connectors.kafka_producer import EventProducer
from dexwatch.detectors.backtest import Backtest, BacktestColumns, backtest_file
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.messaging.topic_names import TopicNames
from dexwatch.schemas.codec import encode
from dexwatch.schemas.errors import ConfigError
from dexwatch.schemas.metric_event import MetricEvent
from dexwatch.streams.priming.topic_reader import StartPosition, TopicReadError
from dexwatch.streams.priming.topic_replay import ReplayedRow, ReplaySummary, TopicReplay
from dexwatch.streams.settings import WorkerSettings
from dexwatch.tabular.csv_input import parse_time
from tests.nab_like_data import ec2_like
from tests.support.kafka_helpers import ProducedRecord, create_topic, produce_records

REPO = Path(__file__).resolve().parents[3]
T0 = datetime(2024, 5, 1, tzinfo=UTC)
BEGINNING = StartPosition()


def stamped(records: Iterable[tuple[int, MetricEvent | bytes]]) -> list[ProducedRecord]:
    """`(partition, event)` keyed by series and stamped with the event time (bytes: now)."""
    return [
        ProducedRecord(
            event.series_key.encode(),
            encode(event),
            partition,
            int(event.event_time.timestamp() * 1000),
        )
        if isinstance(event, MetricEvent)
        else ProducedRecord(b"bad", event, partition)
        for partition, event in records
    ]


def nab_events(path: Path) -> list[MetricEvent]:
    """The rows of a NAB file as `dexwatch replay` turns them into events (one series)."""
    rejected: list[object] = []
    events = [event for _, event in read_events(path, "csv", rejected.append, CsvLayout())]
    assert not rejected
    return events


def replay(
    bootstrap: str, topic: str, start: StartPosition = BEGINNING
) -> tuple[list[ReplayedRow], ReplaySummary]:
    """The worker's default dataset over `topic`, from `start`: every row and the summary."""
    rows: list[ReplayedRow] = []
    settings = WorkerSettings(bootstrap_servers=bootstrap, topics=TopicNames(metrics=topic))
    summary = TopicReplay(settings, topic, batch_records=500).run(start, rows.append)
    return rows, summary


@pytest.mark.kafka
def test_a_nab_file_replayed_from_a_topic_scores_exactly_as_the_file_backtest(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    ec2 = ec2_like(tmp_path).data
    topic = create_topic(kafka_bootstrap, unique_name("nab"), partitions=4)
    # As `dexwatch replay` sends them: keyed by series (here the one series "", empty key).
    with EventProducer(kafka_bootstrap) as producer:
        for event in nab_events(ec2):
            producer.send(topic, event)

    rows, summary = replay(kafka_bootstrap, topic)
    backtest = Backtest(BacktestColumns("timestamp", ("value",)), SeriesModelSettings())
    expected = list(backtest_file(ec2, backtest))

    assert (summary.records, summary.rows, summary.series) == (4032, 4032, 1)
    assert not summary.dead_letters
    assert len(rows) == len(expected) == 4032
    for row, file_row in zip(rows, expected, strict=True):
        assert file_row.verdict is not None
        assert row.interval.start == parse_time(file_row.timestamp)
        assert row.verdict.score == file_row.verdict.score  # the same floats, not just close
        assert row.verdict.severity == file_row.verdict.severity
        assert row.verdict.is_anomaly == file_row.verdict.is_anomaly
        assert row.verdict.explain() == file_row.verdict.explain()
    alerts = [index for index, row in enumerate(rows) if row.verdict.is_anomaly]
    assert alerts == [index for index, row in enumerate(expected) if row.is_anomaly]
    assert alerts, "the comparison should include alerts, not only quiet rows"
    assert summary.alerts == summary.anomaly_events == len(alerts)


def _two_series(n: int) -> list[tuple[int, MetricEvent | bytes]]:
    """Series `a` on partition 0 and `b` on partition 1, `n` events each, a minute apart."""
    return [
        (
            partition,
            MetricEvent(
                event_time=T0 + timedelta(minutes=step),
                source="test",
                dimensions={"pool": name},
                measures={"value": 100.0 + step % 7},
            ),
        )
        for step in range(n)
        for partition, name in enumerate("ab")
    ]


def _slices(rows: list[ReplayedRow]) -> dict[str, list[int]]:
    """Per series, the minutes (since T0) of the rows scored, in order."""
    found: dict[str, list[int]] = {}
    for row in rows:
        minutes = int((row.interval.start - T0).total_seconds() // 60)
        found.setdefault(row.interval.dimensions["pool"], []).append(minutes)
    return found


@pytest.mark.kafka
def test_a_start_offset_or_time_selects_that_slice_of_every_partition(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("slice"), partitions=2)
    produce_records(kafka_bootstrap, topic, stamped(_two_series(30)))
    tail = list(range(25, 30))

    rows, summary = replay(kafka_bootstrap, topic, StartPosition(offset=25))
    assert _slices(rows) == {"a": tail, "b": tail}
    ranges = summary.ranges
    assert [(r.partition, r.start, r.end) for r in ranges] == [(0, 25, 30), (1, 25, 30)]

    rows, _ = replay(kafka_bootstrap, topic, StartPosition(time=T0 + timedelta(minutes=18)))
    assert _slices(rows) == {"a": list(range(18, 30)), "b": list(range(18, 30))}

    assert _slices(replay(kafka_bootstrap, topic)[0]) == {
        "a": list(range(30)),
        "b": list(range(30)),
    }
    past_the_end = [StartPosition(offset=99), StartPosition(time=T0 + timedelta(days=1))]
    for start in past_the_end:
        rows, summary = replay(kafka_bootstrap, topic, start)
        assert rows == []
        assert summary.records == 0


@pytest.mark.kafka
def test_bad_records_are_tallied_as_dead_letters_and_the_read_stops_at_the_end(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("bad"), partitions=2)
    produce_records(kafka_bootstrap, topic, stamped([*_two_series(3), (0, b"not json")]))
    rows, summary = replay(kafka_bootstrap, topic)
    assert (len(rows), summary.records) == (6, 7)
    assert dict(summary.dead_letters) == {"invalid_json": 1}
    assert f"{topic}[0]@3: invalid_json" in summary.dead_letter_examples[0]


@pytest.mark.kafka
def test_a_missing_topic_fails_naming_it(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("missing")
    with pytest.raises(TopicReadError, match=topic):
        replay(kafka_bootstrap, topic)


def test_a_topic_no_dataset_reads_fails_before_any_read() -> None:
    datasets = REPO / "deploy" / "datasets" / "generic.yaml"
    settings = WorkerSettings(bootstrap_servers="127.0.0.1:1", datasets=datasets)
    with pytest.raises(ConfigError, match="no dataset reads topic 'other'"):
        TopicReplay(settings, "other")


@pytest.mark.kafka
def test_the_summary_counts_points_a_worker_would_learn_as_history(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("primed"), partitions=2)
    produce_records(kafka_bootstrap, topic, stamped(_two_series(3)))
    datasets = tmp_path / "datasets.yaml"
    datasets.write_text(
        f"datasets: [{{name: history, source: {{topic: {topic}}}, dimensions: '*', "
        "measures: '*', interval: none, alert_after: 1h}]"
    )
    settings = WorkerSettings(bootstrap_servers=kafka_bootstrap, datasets=datasets)
    rows: list[ReplayedRow] = []
    summary = TopicReplay(settings, topic).run(BEGINNING, rows.append)
    # 2024's points are older than an hour: every row is primed, none would be sent.
    assert summary.rows == len(rows) == summary.primed == 6
    assert summary.anomaly_events == 0
