"""Two workers in one group, one killed with `kill -9` mid-stream (issue 4).

Afterwards every input record is accounted for by an output that names it: an anomaly event
whose `source_offsets` cover it (for its own series and event time), or a dead-letter record
with its topic, partition and offset and the expected reason. The dataset alerts on every
judged point (a threshold near 0), so every record scored after the warm-up shows on the
anomalies topic. Warm-up points give no event: they are the first `WARMUP` points of each
series, all sent before the kill, and the group's own counters show them scored.

The worker to kill is chosen so that the crash must cause a re-emission: it is killed right
after one of its offset commits, once anomalies of records past that commit are on the
anomalies topic. The survivor takes its partitions over when its session times out, resumes
from the committed offsets and emits those anomalies again: they must carry the same ids.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Message, Producer

from dexwatch.messaging.topics import changelog_topic
from dexwatch.schemas import AnomalyEvent, DeadLetterRecord, MetricEvent, decode, encode
from dexwatch.streams.scoring.dataset_runtime import snapshot_key
from dexwatch.streams.snapshots.record import decode_record
from dexwatch.streams.snapshots.table_names import snapshot_table_name
from tests.series_data import START, STEP, pool_events
from tests.support.kafka_helpers import (
    TopicReader,
    committed_offsets,
    create_topic,
    group_assignment,
    wait_for,
)
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.kafka

PARTITIONS = 8  # the worker's default `DEXWATCH_TOPIC_PARTITIONS`: the changelogs match it
SERIES = 16  # series i lives in partition i % PARTITIONS
WARMUP = 20  # points per series before any verdict (every point after it scores above 0)
FIRST_STEPS = 30  # sent before the stream starts: the warm-up, scored by the two workers
TICK_S = 0.04  # the stream: one point of every series per tick (400 records/s)
BAD_EVERY = 10  # a bad record every this many steps of the stream
MAX_STEPS = 3000  # a bound on the stream (2 minutes), never reached in a passing run
DATASET = "crash-test"
WORKERS = ("worker-a", "worker-b")
MALFORMED = b'{"event_time": "2026-01-05T00:00:00Z", "source": "broken'


def _pool(index: int) -> str:
    return f"0xcrash{index:02d}"


@dataclass(frozen=True, slots=True)
class Sent:
    """One input record as produced: a series' point, or a bad record and how it is refused."""

    key: bytes
    value: bytes
    series: str | None = None  # None: a bad record
    step: int = -1
    refused_as: str | None = None  # the dead-letter `reason_kind` it must get


class MetricStream:
    """The input: points of every series in step order, bad records among them, with the
    partition and offset of every record once it is acknowledged."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
        self.delivered: dict[tuple[int, int], Sent] = {}
        self.errors: list[str] = []
        self.step = 0
        self._points: list[Iterator[MetricEvent]] = [
            pool_events(_pool(index), MAX_STEPS, seed=index) for index in range(SERIES)
        ]
        self._stop = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="metric-stream", daemon=True)

    def send_steps(self, steps: int) -> int:
        """Send `steps` points of every series (and bad records) now; the records sent."""
        sent = 0
        for _ in range(steps):
            sent += self._send_step()
        self.flush()
        return sent

    def start(self) -> None:
        """Go on in the background, one step per tick, until `finish`."""
        self._thread.start()

    def finish(self) -> None:
        """Stop the stream and wait for every record's acknowledgement (again: a no-op)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)
        if not self._closed:
            self._closed = True
            try:
                self.flush()
            finally:
                self.producer.close()

    def flush(self) -> None:
        remaining = self.producer.flush(30)
        assert remaining == 0, f"{remaining} records not delivered to {self.topic}"
        assert not self.errors, f"delivery errors: {self.errors[:3]}"

    def _run(self) -> None:
        while not self._stop.is_set() and self.step < MAX_STEPS:
            self._send_step()
            self.producer.poll(0)
            self._stop.wait(TICK_S)

    def _send_step(self) -> int:
        step = self.step
        self.step += 1
        records: list[tuple[int, Sent]] = []
        for index, points in enumerate(self._points):
            event = next(points)
            key = event.series_key.encode()
            records.append((index % PARTITIONS, Sent(key, encode(event), event.series_key, step)))
        if step >= FIRST_STEPS and step % BAD_EVERY == 0:
            records.append(self._bad_record(step // BAD_EVERY))
        for partition, sent in records:
            self.producer.produce(
                self.topic,
                key=sent.key,
                value=sent.value,
                partition=partition,
                on_delivery=self._on_delivery(sent),
            )
        return len(records)

    def _bad_record(self, number: int) -> tuple[int, Sent]:
        """Bad JSON, a bad schema, or a series' point without its measures, by turns."""
        partition = number % PARTITIONS
        key = f"bad-{number}".encode()
        kind = number % 3
        if kind == 0:
            return partition, Sent(key, MALFORMED + str(number).encode(), refused_as="invalid_json")
        if kind == 1:
            value = orjson.dumps(
                {
                    "event_time": "2026-01-05T00:00:00Z",
                    "source": "test",
                    "dimensions": {"pool": f"bad-{number}"},
                    "measures": {"tvl_usd": "12"},
                }
            )
            return partition, Sent(key, value, refused_as="invalid_schema")
        # An existing series' point with one measure of its four: its model refuses it.
        index = number % SERIES
        event = MetricEvent(
            event_time=START + self.step * STEP,
            source="test",
            dimensions={"chain": "ethereum", "dex": "uniswap-v3", "pool": _pool(index)},
            measures={"tvl_usd": 1e7},
        )
        sent = Sent(event.series_key.encode(), encode(event), refused_as="measures_mismatch")
        return index % PARTITIONS, sent

    def _on_delivery(self, sent: Sent) -> Callable[[object, Message], None]:
        def delivered(error: object, message: Message) -> None:
            if error is not None:
                self.errors.append(str(error))
                return
            partition, offset = message.partition(), message.offset()
            assert partition is not None
            assert offset is not None
            self.delivered[(partition, offset)] = sent

        return delivered


@dataclass
class Outputs:
    """Everything on the anomalies and dead-letter topics, read as it arrives."""

    reader: TopicReader
    anomalies_topic: str
    anomalies: list[AnomalyEvent] = field(default_factory=list, repr=False)
    dead: list[DeadLetterRecord] = field(default_factory=list, repr=False)

    def update(self) -> None:
        for message in self.reader.poll_new():
            value = message.value() or b""
            if message.topic() == self.anomalies_topic:
                self.anomalies.append(decode(AnomalyEvent, value))
            else:
                self.dead.append(decode(DeadLetterRecord, value))

    def covered(self, topic: str) -> set[tuple[int, int]]:
        """(partition, offset) of every input record an output names."""
        found = {
            (record.partition, record.offset)
            for record in self.dead
            if record.topic == topic and record.partition is not None and record.offset is not None
        }
        for anomaly in self.anomalies:
            for source in anomaly.source_offsets:
                if source.topic == topic:
                    offsets = range(source.first, source.last + 1)
                    found.update((source.partition, offset) for offset in offsets)
        return found


def _dataset_file(path: Path, metrics_topic: str) -> Path:
    """Every event scored on its own; every judged point alerts (JSON is YAML)."""
    dataset = {
        "name": DATASET,
        "source": {"topic": metrics_topic},
        "dimensions": "*",
        "measures": "*",
        "interval": "none",
        "detector": {"warmup": WARMUP},
        "alert_threshold": 1e-9,
    }
    path.write_bytes(orjson.dumps(dataset))
    return path


def _split(bootstrap: str, group: str, topic: str) -> dict[str, set[tuple[str, int]]] | None:
    """The group's assignment once both workers hold some of the metrics partitions."""
    assignment = group_assignment(bootstrap, group)
    if assignment is None or set(assignment) != set(WORKERS):
        return None
    held = [{p for t, p in tps if t == topic} for tps in assignment.values()]
    if not all(held) or set.union(*held) != set(range(PARTITIONS)):
        return None
    return assignment


def test_kill_9_of_one_of_two_workers_loses_nothing_and_keeps_anomaly_ids(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter")}
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic, PARTITIONS)
    metrics_topic = topics["metrics"]
    app_id = unique_name("app")
    # Created by the workers at start-up, before faust subscribes (streams/snapshots/table_names).
    changelog = changelog_topic(app_id, snapshot_table_name(0))
    env = {
        "DEXWATCH_DATASETS": str(_dataset_file(tmp_path / "dataset.yaml", metrics_topic)),
        # The killed worker's partitions move once its session times out.
        "DEXWATCH_BROKER_SESSION_TIMEOUT_S": "6",
        # Every series has a snapshot soon, so the survivor takes it over without a warm-up.
        "DEXWATCH_SNAPSHOT_INTERVAL_S": "2",
    }
    workers = {
        # BROKER_CLIENT_ID is faust's own setting: it tells the group's members apart.
        name: WorkerProcess(
            kafka_bootstrap, app_id, topics, tmp_path / name, env | {"BROKER_CLIENT_ID": name}
        )
        for name in WORKERS
    }
    stream = MetricStream(kafka_bootstrap, metrics_topic)
    try:
        for worker in workers.values():
            worker.wait_until_serving()
        wait_for(
            lambda: _split(kafka_bootstrap, app_id, metrics_topic),
            60,
            "the two workers to share the metrics partitions",
        )

        # The warm-up: every series' first points, scored by the two workers (their counters).
        first = stream.send_steps(FIRST_STEPS)
        try:
            # Each worker compiles the model on its first batch when the numba cache is cold
            # (a fresh clone): about 14 s alone, two or three times that with two workers and
            # a broker on two cores. CI once saw 448 of 480 scored at 60 s.
            wait_for(
                lambda: _total(workers, "dexwatch_events_scored_total") >= first,
                180,
                f"the workers to score the first {first} records",
            )
        except AssertionError as error:
            raise AssertionError(f"{error}; {_diagnosis(workers)}") from None
        assert _total(workers, "dexwatch_events_consumed_total") == first
        with (
            TopicReader(kafka_bootstrap, [topics["anomalies"], topics["dead_letter"]]) as reader,
            TopicReader(kafka_bootstrap, [changelog]) as snapshots,
        ):
            outputs = Outputs(reader, topics["anomalies"])
            stream.start()

            # Every series has a snapshot past its warm-up in the changelog topic.
            seen: dict[bytes, int] = {}

            def all_snapshotted() -> bool:
                for message in snapshots.poll_new():
                    [latest, *_] = decode_record(message.value() or b"")
                    seen[message.key() or b""] = latest.points_seen
                keys = [
                    snapshot_key(DATASET, f"chain=ethereum,dex=uniswap-v3,pool={_pool(index)}")
                    for index in range(SERIES)
                ]
                return all(seen.get(key.encode(), 0) >= WARMUP for key in keys)

            wait_for(all_snapshotted, 30, "a snapshot of every series in the changelog")

            # The victim: the group's leader (it holds faust's leader topic).
            assignment = wait_for(
                lambda: _split(kafka_bootstrap, app_id, metrics_topic), 30, "a stable group"
            )
            leader_topic = f"{app_id}-__assignor-__leader"
            victim_name = next(n for n, tps in assignment.items() if (leader_topic, 0) in tps)
            survivor_name = next(n for n in WORKERS if n != victim_name)
            victim, survivor = workers[victim_name], workers[survivor_name]
            victim_partitions = sorted(p for t, p in assignment[victim_name] if t == metrics_topic)

            # Kill it just after one of its commits (faust commits every 2.8 s), once
            # anomalies of records past that commit are out: those must come again.
            last_commit = committed_offsets(
                kafka_bootstrap, app_id, metrics_topic, victim_partitions
            )
            committed_since = -1.0  # when the victim's committed offsets last moved

            def processed_past_a_fresh_commit() -> bool:
                nonlocal last_commit, committed_since
                now = committed_offsets(kafka_bootstrap, app_id, metrics_topic, victim_partitions)
                if now != last_commit:
                    last_commit, committed_since = now, time.monotonic()
                if committed_since < 0 or time.monotonic() - committed_since > 1.0:
                    return False
                outputs.update()
                return any(
                    source.partition in victim_partitions
                    and source.last >= last_commit.get(source.partition, 0)
                    for anomaly in outputs.anomalies
                    for source in anomaly.source_offsets
                )

            wait_for(
                processed_past_a_fresh_commit,
                30,
                f"{victim_name} to commit and go on emitting anomalies",
            )
            victim.kill()
            killed_at = datetime.now(UTC)
            assert victim.process.returncode == -9
            committed = committed_offsets(kafka_bootstrap, app_id, metrics_topic, victim_partitions)

            # The survivor takes the dead worker's partitions over (the stream goes on).
            def survivor_emits_for_the_victims_partitions() -> bool:
                outputs.update()
                return any(
                    anomaly.detected_at > killed_at
                    and any(s.partition in victim_partitions for s in anomaly.source_offsets)
                    for anomaly in outputs.anomalies
                )

            wait_for(
                survivor_emits_for_the_victims_partitions,
                60,
                f"{survivor_name} to take over partitions {victim_partitions}",
            )
            stream.finish()

            # Every record sent is named by an output (warm-up points excepted).
            expected = {
                position
                for position, sent in stream.delivered.items()
                if sent.series is None or sent.step >= WARMUP
            }

            def all_accounted_for() -> bool:
                outputs.update()
                return expected <= outputs.covered(metrics_topic)

            try:
                wait_for(all_accounted_for, 30, "an output for every input record")
            except AssertionError:
                missing = expected - outputs.covered(metrics_topic)
                now = committed_offsets(kafka_bootstrap, app_id, metrics_topic, range(PARTITIONS))
                raise AssertionError(
                    f"{len(missing)} of {len(expected)} records have no output: (partition, "
                    f"first, last) {_runs(missing)}; {victim_name} held {victim_partitions}, "
                    f"committed {committed} when killed; the group has committed {now}"
                ) from None
            outputs.update()  # whatever else is on the topics by now

        _check_outputs_name_their_records(stream, outputs, metrics_topic)
        _check_ids(outputs, killed_at, victim_partitions, committed)
        assert survivor.process.poll() is None, f"the survivor stopped:\n{survivor.log_tail()}"
    finally:
        stream.finish()
        for worker in workers.values():
            worker.stop()


def _total(workers: dict[str, WorkerProcess], metric: str) -> float:
    return sum(worker.metric(metric) for worker in workers.values())


def _diagnosis(workers: dict[str, WorkerProcess]) -> str:
    """What each worker consumed, and the first error lines of its log."""
    return "; ".join(
        f"{name} consumed {worker.metric('dexwatch_events_consumed_total'):.0f}, errors "
        f"{[line for line in worker.log_tail(10_000).splitlines() if '[ERROR]' in line][:2]}"
        for name, worker in workers.items()
    )


def _runs(positions: set[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(partition, first, last) for each run of consecutive offsets."""
    runs: list[tuple[int, int, int]] = []
    for partition, offset in sorted(positions):
        if runs and runs[-1][0] == partition and runs[-1][2] == offset - 1:
            runs[-1] = (partition, runs[-1][1], offset)
        else:
            runs.append((partition, offset, offset))
    return runs


def _check_outputs_name_their_records(stream: MetricStream, outputs: Outputs, topic: str) -> None:
    """Each anomaly is its record's series and time; each dead letter its bad record, whole."""
    sent = stream.delivered
    for partition in range(PARTITIONS):  # the topic holds these records and no others
        offsets = sorted(offset for p, offset in sent if p == partition)
        assert offsets == list(range(len(offsets)))
    for anomaly in outputs.anomalies:
        [source] = anomaly.source_offsets
        assert (source.topic, source.first) == (topic, source.last)
        record = sent[(source.partition, source.first)]
        assert record.series == anomaly.series, (anomaly.series, record)
        assert anomaly.interval_start == START + record.step * STEP
        assert record.step >= WARMUP, f"a warm-up point alerted: {record}"
    refused: dict[tuple[int, int], set[str]] = {}
    for dead in outputs.dead:
        assert dead.topic == topic
        assert dead.partition is not None
        assert dead.offset is not None
        position = (dead.partition, dead.offset)
        refused.setdefault(position, set()).add(dead.reason_kind)
        assert dead.original == sent[position].value
    bad = {position: {s.refused_as} for position, s in sent.items() if s.refused_as is not None}
    assert refused == bad, "dead letters other than the bad records, or of another reason"
    assert {kind for kinds in refused.values() for kind in kinds} == {
        "invalid_json",
        "invalid_schema",
        "measures_mismatch",
    }


def _check_ids(
    outputs: Outputs,
    killed_at: datetime,
    victim_partitions: list[int],
    committed: dict[int, int],
) -> None:
    """One id per series-interval; what the victim emitted past its last commit came again."""
    ids: dict[tuple[str, datetime], set[str]] = {}
    for anomaly in outputs.anomalies:
        ids.setdefault((anomaly.series, anomaly.interval_start), set()).add(anomaly.anomaly_id)
    two_ids = {key: found for key, found in ids.items() if len(found) > 1}
    assert not two_ids, f"series-intervals with two ids: {list(two_ids.items())[:5]}"

    def past_the_commit(anomaly: AnomalyEvent) -> bool:
        [source] = anomaly.source_offsets
        return source.partition in victim_partitions and source.first >= committed.get(
            source.partition, 0
        )

    after = {
        (a.series, a.interval_start): a.anomaly_id
        for a in outputs.anomalies
        if a.detected_at > killed_at
    }
    # The snapshot each series came back from: the version its first anomaly after the kill
    # carries. What the victim judged before writing that snapshot is in it, and its outputs
    # were written before it: those records are read again but not judged again. What it
    # judged after (same version or later) must come again, under the same id.
    restored: dict[str, int] = {}
    for a in sorted(outputs.anomalies, key=lambda a: a.detected_at):
        if a.detected_at > killed_at:
            restored.setdefault(a.series, a.model_snapshot_version)
    before = {
        (a.series, a.interval_start): a.anomaly_id
        for a in outputs.anomalies
        if a.detected_at < killed_at
        and past_the_commit(a)
        and a.series in restored
        and a.model_snapshot_version >= restored[a.series]
    }
    # With snapshots every 2 s the victim usually judged something after its last one; when it
    # did not (a kill just after a snapshot), there is nothing here that must come again.
    again = {key: after.get(key) for key in before}
    assert again == before, (
        f"{sum(1 for key in before if after.get(key) != before[key])} of {len(before)} anomalies "
        "emitted past the last commit did not come again with their id"
    )
