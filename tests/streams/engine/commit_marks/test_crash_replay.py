"""A worker stopped at any point and another reading on from the committed mark: together
they score exactly the intervals, with exactly the records, that one uninterrupted worker
scores, and dead-letter exactly its records (pure code: the agent's steps without Kafka).

This is the promise of `streams/engine/commit_marks`: no record of an open interval is lost with the
process, and no interval scored before the stop is scored again from part of its records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from dexwatch.schemas import DeadLetterRecord, MetricEvent, decode, encode
from dexwatch.streams.engine.commit_marks import CheckpointBoard, decode_mark, offsets_to_commit
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.scoring.dataset_runtime import DatasetRuntime
from dexwatch.streams.scoring.dataset_scorer import ScoredInterval
from dexwatch.streams.settings import WorkerSettings
from tests.series_data import START

TOPIC = "ticks"
PARTITIONS = 2
CHUNK = 7  # records per chunk: a commit can fall between any two chunks
DATASETS = f"""
datasets:
  - name: per-minute
    source: {{topic: {TOPIC}}}
    dimensions: [pool]
    measures:
      - {{name: volume_usd, aggregation: sum}}
      - {{name: trades, field: volume_usd, aggregation: count}}
    interval: 1m
    allowed_lateness: 30s
    detector: {{warmup: 5}}
  - name: every-event
    source: {{topic: {TOPIC}}}
    dimensions: [pool]
    measures:
      - {{name: volume_usd, aggregation: last}}
    interval: none
    detector: {{warmup: 5}}
"""

IntervalKey = tuple[str, str, str]  # dataset, series, interval start
IntervalContent = tuple[tuple[tuple[str, float], ...], int, tuple[tuple[int, int, int], ...]]


def _records(count: int, seed: int) -> list[ConsumedRecord]:
    """Three pools over two partitions, a point every ~10 s of event time with jitter (some
    late beyond the allowed lateness), and now and then a record that is not JSON."""
    rng = random.Random(seed)
    offsets = [0] * PARTITIONS
    records = []
    for step in range(count):
        pool = f"p{step % 3}"
        partition = step % 3 % PARTITIONS
        if step % 23 == 11:
            value = b'{"event_time": "broken'
        else:
            lag = 100 if step % 9 == 4 else rng.uniform(0, 45)  # 100 s: past the lateness
            when = START + timedelta(seconds=step * 10 - lag)
            event = MetricEvent(
                event_time=when,
                source="test",
                dimensions={"pool": pool},
                measures={"volume_usd": rng.uniform(50, 150)},
            )
            value = encode(event)
        records.append(ConsumedRecord(TOPIC, partition, offsets[partition], pool.encode(), value))
        offsets[partition] += 1
    return records


@dataclass
class Worker:
    """The agent's steps over a handler: a batch, then the checkpoint, as in
    `streams.engine.faust.app` (here each chunk is a batch)."""

    handler: MetricEventHandler
    board: CheckpointBoard = field(default_factory=CheckpointBoard)
    scored: list[tuple[IntervalKey, IntervalContent]] = field(default_factory=list)
    dead: list[tuple[int, int, str]] = field(default_factory=list)

    def handle(self, records: list[ConsumedRecord]) -> None:
        for start in range(0, len(records), CHUNK):
            chunk = records[start : start + CHUNK]
            for output in self.handler.handle_batch(chunk):
                if output.topic == self.handler.settings.topics.dead_letter:
                    letter = decode(DeadLetterRecord, output.value)
                    assert letter.partition is not None
                    assert letter.offset is not None
                    self.dead.append((letter.partition, letter.offset, letter.reason_kind))
            self.board.publish(
                {(r.topic, r.partition): r.offset + 1 for r in chunk},  # in offset order
                self.handler.first_open_offsets(),
                self.handler.watermarks_by_topic(),
            )


def _worker(tmp_path: Path) -> Worker:
    path = tmp_path / "datasets.yaml"
    path.write_text(DATASETS)
    worker: Worker

    def scored(runtime: DatasetRuntime, result: ScoredInterval) -> None:
        interval = result.interval
        key = (runtime.dataset.name, interval.series, interval.start.isoformat())
        content = (
            tuple(sorted(interval.measures.items())),
            interval.event_count,
            tuple((o.partition, o.first, o.last) for o in interval.offsets),
        )
        worker.scored.append((key, content))

    handler = MetricEventHandler(WorkerSettings(datasets=path), WorkerMetrics(), scored)
    worker = Worker(handler)
    return worker


def _commit(worker: Worker, acked_lag: int) -> dict[int, tuple[int, str]]:
    """What a commit now writes: faust acknowledges all but the last `acked_lag` records
    handled per partition (their batch is still being worked on)."""
    processed = worker.board.current.processed
    acked = {where: max(0, offset - acked_lag) for where, offset in processed.items()}
    return {
        where[1]: commit for where, commit in offsets_to_commit(worker.board.current, acked).items()
    }


def _resume(
    worker: Worker, commits: dict[int, tuple[int, str]]
) -> Callable[[ConsumedRecord], bool]:
    """Install the committed marks; which records the consumer then delivers."""
    for partition, (_offset, metadata) in commits.items():
        mark = decode_mark(metadata)
        assert mark is not None
        worker.board.seed((TOPIC, partition), mark.processed)
        worker.handler.resume_partition((TOPIC, partition), mark)
    return lambda record: record.offset >= commits.get(record.partition, (0, ""))[0]


def _check_same_as_uninterrupted(whole: Worker, parts: list[Worker], stop: int) -> None:
    contents: dict[IntervalKey, IntervalContent] = {}
    for part in parts:
        for key, content in part.scored:
            assert contents.setdefault(key, content) == content, (
                f"stop after {stop}: {key} scored twice with different records"
            )
    assert contents == dict(whole.scored), f"stop after {stop}: other intervals or records"
    assert {d for part in parts for d in part.dead} == set(whole.dead), f"stop after {stop}"


RECORDS = _records(400, seed=7)
STOPS = range(CHUNK * 3, len(RECORDS), CHUNK * 5)


@pytest.mark.parametrize("acked_lag", [0, 4])
def test_a_crash_anywhere_then_a_new_worker_scores_what_one_worker_would(
    tmp_path: Path, acked_lag: int
) -> None:
    whole = _worker(tmp_path)
    whole.handle(RECORDS)
    assert any(kind == "late" for _, _, kind in whole.dead), "the data has late records"
    assert len({key for key, _ in whole.scored if key[0] == "per-minute"}) > 50
    held_back = 0
    for stop in STOPS:
        before = _worker(tmp_path)
        before.handle(RECORDS[:stop])
        commits = _commit(before, acked_lag)
        held_back += sum(
            1
            for (p, o) in before.board.current.processed.items()
            if commits[p[1]][0] < o - acked_lag
        )
        after = _worker(tmp_path)
        delivered = _resume(after, commits)
        after.handle([r for r in RECORDS if delivered(r)])
        _check_same_as_uninterrupted(whole, [before, after], stop)
    assert held_back, "no commit was held back by an open interval: nothing was tested"


def test_a_rebalance_back_to_the_same_worker_rebuilds_its_open_intervals(tmp_path: Path) -> None:
    whole = _worker(tmp_path)
    whole.handle(RECORDS)
    for stop in STOPS:
        worker = _worker(tmp_path)
        worker.handle(RECORDS[:stop])
        commits = _commit(worker, acked_lag=2)
        revoked = {(TOPIC, partition) for partition in range(PARTITIONS)}
        worker.board.forget(revoked)
        worker.handler.release_partitions(revoked, holds_none=not worker.board.held)
        scored_before = len(worker.scored)
        delivered = _resume(worker, commits)
        worker.handle([r for r in RECORDS if delivered(r)])
        assert len(worker.scored) >= scored_before
        _check_same_as_uninterrupted(whole, [worker], stop)
