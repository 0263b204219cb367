"""A partition read again from a committed mark, record by record (pure handler code)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dexwatch.schemas import DeadLetterRecord, MetricEvent, decode, encode
from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.engine.commit_marks import CommitMark
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings
from tests.series_data import START

TOPIC = "ticks"
MINUTE_US = 60_000_000


def _dataset(name: str, interval: str = "1m") -> str:
    return f"""
  - name: {name}
    source: {{topic: {TOPIC}}}
    dimensions: [pool]
    measures: [{{name: volume_usd, aggregation: sum}}]
    interval: {interval}
    allowed_lateness: 0s
"""


def _handler(tmp_path: Path, *names: str) -> MetricEventHandler:
    path = tmp_path / "datasets.yaml"
    path.write_text("datasets:" + "".join(_dataset(name) for name in names))
    return MetricEventHandler(WorkerSettings(datasets=path), WorkerMetrics())


def _record(offset: int, minute: float) -> ConsumedRecord:
    event = MetricEvent(
        event_time=START + timedelta(minutes=minute),
        source="test",
        dimensions={"pool": "p1"},
        measures={"volume_usd": 1.0},
    )
    return ConsumedRecord(TOPIC, 0, offset, b"p1", encode(event))


def _broken(offset: int) -> ConsumedRecord:
    return ConsumedRecord(TOPIC, 0, offset, None, b"{not json")


def _dead(handler: MetricEventHandler, records: list[ConsumedRecord]) -> list[tuple[int, str]]:
    return [
        (letter.offset or -1, letter.reason_kind)
        for output in handler.handle_batch(records)
        if output.topic == handler.settings.topics.dead_letter
        for letter in [decode(DeadLetterRecord, output.value)]
    ]


def _count(handler: MetricEventHandler, name: str) -> float | None:
    return handler.metrics.registry.get_sample_value(name)


def test_records_the_mark_covers_are_skipped_rebuilt_or_dead_lettered_again(
    tmp_path: Path,
) -> None:
    handler = _handler(tmp_path, "per-minute")
    watermark = int(START.timestamp()) * 1_000_000 + 10 * MINUTE_US  # minutes 0-9 were scored
    handler.resume_partition(
        (TOPIC, 0), CommitMark(acked=5, processed=10, watermarks={"per-minute": watermark})
    )
    dead = _dead(
        handler,
        [
            _broken(3),  # before acked: dead-lettered before, not again
            _broken(6),  # acked..processed: maybe not sent before, so again (at least once)
            _record(7, minute=3),  # its interval was scored: skipped
            _record(8, minute=12),  # its interval was open: rebuilt
            _record(12, minute=4),  # past the mark, in a scored interval: late
        ],
    )
    assert dead == [(6, "invalid_json"), (12, "late")]
    # The series read again took the mark's watermark, then went on with its own time.
    assert handler.datasets[0].aggregator.series_watermark("pool=p1") == START + timedelta(
        minutes=12
    )
    assert _count(handler, "dexwatch_events_already_handled_total") == 1
    assert handler.first_open_offsets() == {(TOPIC, 0): 8}
    assert not handler.replay_marks  # record 12 passed the mark


def test_revoking_every_partition_drops_open_intervals_and_event_time(tmp_path: Path) -> None:
    handler = _handler(tmp_path, "per-minute")
    assert _dead(handler, [_record(0, minute=1), _record(1, minute=3)]) == []
    aggregator = handler.datasets[0].aggregator
    assert aggregator.open_intervals == 1
    assert aggregator.watermark_us is not None
    handler.release_partitions({(TOPIC, 0)}, holds_none=True)
    assert aggregator.open_intervals == 0
    assert aggregator.watermark_us is None
    assert handler.first_open_offsets() == {}
    assert _count(handler, "dexwatch_open_intervals_dropped_total") == 1


def test_too_many_interval_datasets_on_one_topic_fail_at_start_naming_it(
    tmp_path: Path,
) -> None:
    names = [f"dataset-with-a-rather-long-name-{index:03d}" for index in range(80)]
    with pytest.raises(ConfigError, match=f"80 interval datasets read topic '{TOPIC}'"):
        _handler(tmp_path, *names)
