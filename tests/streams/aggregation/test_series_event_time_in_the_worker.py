"""Event time per series in a real worker on an hourly dataset (real broker): a backfill sent
series after series is scored whole, a point older than its own series' watermark is late, and
a series that goes silent gets its no-data signals once the idle timeout has passed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.schemas import AnomalyEvent, DeadLetterRecord, MetricEvent, decode, encode
from tests.support.kafka_helpers import consume_until, create_topic, produce, wait_for
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

T = datetime(2026, 6, 1, 12, tzinfo=UTC)  # the newest backfilled hour
HOURS = 200
POOLS = ("s0", "s1", "s2")  # s0's history ends at T, s1's an hour earlier, s2's two
_DATASETS = """
datasets:
  - name: pools-hourly
    source: {{topic: {topic}}}
    dimensions: [pool]
    measures: [{{name: tvl, aggregation: last}}, {{name: volume, aggregation: sum}}]
    interval: 1h
    no_data: true
"""


def _point(pool: str, hour: datetime, index: int) -> tuple[bytes, bytes]:
    event = MetricEvent(
        event_time=hour + timedelta(minutes=10),
        source="test",
        dimensions={"pool": pool},
        measures={"tvl": 1000.0 + index % 7, "volume": 50.0 + index % 5},
    )
    return pool.encode(), encode(event)


def _backfill() -> list[tuple[bytes, bytes]]:
    """As a connector sends history pool after pool, the pool with the newest hour first."""
    records = []
    for rank, pool in enumerate(POOLS):
        last = T - timedelta(hours=rank)
        for index in range(HOURS):
            records.append(_point(pool, last - timedelta(hours=HOURS - 1 - index), index))
    return records


def _worker(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> WorkerProcess:
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter")}
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic)
    datasets = tmp_path / "datasets.yaml"
    datasets.write_text(_DATASETS.format(topic=topics["metrics"]))
    return WorkerProcess(
        kafka_bootstrap,
        unique_name("app"),
        topics,
        tmp_path / "worker",
        {"DEXWATCH_DATASETS": str(datasets)},
    )


def test_a_backfill_series_after_series_is_scored_whole_and_silence_is_signalled(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    worker = _worker(kafka_bootstrap, unique_name, tmp_path)
    topics = worker.topics
    try:
        worker.wait_until_serving()
        produce(kafka_bootstrap, topics["metrics"], _backfill())
        # Live hours: s0 from T+1h, s1 from T (its next hour), s2 silent.
        live = []
        for hour in range(7):
            live.append(_point("s1", T + timedelta(hours=hour), hour))
            if hour:
                live.append(_point("s0", T + timedelta(hours=hour), hour))
        produce(kafka_bootstrap, topics["metrics"], live)
        # Each pool's own time closes its history (s0 and s1 through T+4h; the allowed
        # lateness keeps T+5h and T+6h open); s2, idle once the dataset moved 3h (1h lateness
        # plus two intervals) past where it last spoke, closes its last two hours.
        scored = 3 * HOURS + 4 + 5
        wait_for(
            lambda: worker.metric("dexwatch_events_scored_total") >= scored,
            120,
            f"{scored} intervals scored",
        )
        assert worker.metric("dexwatch_events_late_total", dataset="pools-hourly") == 0
        assert worker.metric("dexwatch_series_idle", dataset="pools-hourly") == 1  # s2
        signals = consume_until(
            kafka_bootstrap,
            topics["anomalies"],
            lambda found: sum(b'"no_data"' in (m.value() or b"") for m in found) >= 3,
            60,
        )
        missing = sorted(
            (event.series, event.interval_start)
            for message in signals
            for event in [decode(AnomalyEvent, message.value() or b"")]
            if event.kind == "no_data"
        )
        # s2's history ended at T-2h: T-1h, T and T+1h are missed (the default limit of 3).
        assert missing == [("pool=s2", T + timedelta(hours=hour)) for hour in (-1, 0, 1)]

        # A point older than its own series' watermark is still late; so is one in an interval
        # signalled missing.
        produce(
            kafka_bootstrap,
            topics["metrics"],
            [_point("s0", T - timedelta(hours=100), 0), _point("s2", T, 0)],
        )
        dead = [
            decode(DeadLetterRecord, message.value() or b"")
            for message in consume_until(
                kafka_bootstrap, topics["dead_letter"], lambda found: len(found) >= 2, 60
            )
        ]
        assert [letter.reason_kind for letter in dead] == ["late", "late"]
        reasons = sorted(letter.reason for letter in dead)  # two partitions: any order
        assert "closed for series 'pool=s0'" in reasons[0]
        assert "closed for series 'pool=s2'" in reasons[1]
        assert worker.metric("dexwatch_events_late_total", dataset="pools-hourly") == 2
        assert worker.metric("dexwatch_events_scored_total") == scored
    finally:
        worker.stop()
