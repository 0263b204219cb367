"""The whole pipeline against a real broker: throughput, two workers, latency, recovery.

    python -m bench.pipeline [--events 1000000] [--series 10000] [--only PART] ...

Starts its own Apache Kafka (`deploy.local_kafka`, free loopback ports, a temporary data dir)
and stops it at the end; every worker is a `dexwatch worker` subprocess with its own app id
(consumer group), data dir and web port, read through its Prometheus `/metrics`.

- throughput: `--events` DEX-like metric events (3 measures, event times one minute apart per
  series) over `--series` series are produced first (confluent-kafka, lz4) as batch envelopes:
  each record a JSON array of up to `--envelope` events whose series hash to the record key's
  partition (`bench.envelopes`), into a topic of 8 partitions. One worker on the default
  dataset (every event scored, warm-up 600) is then timed from its first consumed record to
  `dexwatch_events_scored_total` = events. In the same process, afterwards: the same records
  decoded, and a bare river `HalfSpaceTrees` loop (10 trees, height 8, window 250, one model
  per series, `score_one` + `learn_one`, inputs pre-scaled into each series' warm-up box and
  each model first fed `--river-warmup` points, all untimed, as `bench.speed` does) over them.
- two-workers: two workers in one fresh group on the same pre-produced topic.
- latency: a steady `--rate` events/s for `--seconds` (single events keyed by series, or
  envelopes of `--latency-envelope`) on a fresh topic, after the series are warmed up; produce
  time to anomaly-event arrival, for natural anomalies and for probe spikes; the worker's
  latency histogram; and an interval dataset's delay from an interval's closing to its anomaly.
- recovery: a worker holding `--recovery-series` series is killed (SIGKILL) and restarted;
  time until it scores new events again (its snapshot writes before the kill are printed).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from prometheus_client.parser import text_string_to_metric_families

from bench.envelopes import envelopes, partition_for
from bench.speed import FEATURES, HEIGHT, N_TREES, WINDOW, dex_series, machine, warmup_box
from dexwatch.schemas.metric_event import series_key

__all__ = ["main"]

PARTITIONS = 8
START = datetime(2026, 1, 5, tzinfo=UTC)
STEP = timedelta(minutes=1)
SOURCE = "bench.pipeline"
PARTS = ("throughput", "two-workers", "latency", "recovery")
CONSUMED = "dexwatch_events_consumed_total"
SCORED = "dexwatch_events_scored_total"
LATENCY = "dexwatch_processing_latency_seconds"
_TICK = os.sysconf("SC_CLK_TCK")


def say(line: str) -> None:
    print(line, flush=True)


# -- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fleet:
    """DEX-like pools: their series keys, dimensions, and values (series, points, 3)."""

    keys: list[bytes]
    dimensions: list[dict[str, str]]
    values: npt.NDArray[np.float64]

    @classmethod
    def make(cls, n_series: int, n_points: int, seed: int, prefix: str = "0x") -> Fleet:
        dimensions = [
            {"chain": "ethereum", "dex": "uniswap-v3", "pool": f"{prefix}{index:08x}"}
            for index in range(n_series)
        ]
        keys = [series_key(dims).encode() for dims in dimensions]
        return cls(keys, dimensions, dex_series(n_series, n_points, seed))

    def event(self, series: int, point: int, at: str, scale: float = 1.0) -> dict[str, object]:
        volume, tvl, trades = self.values[series, point].tolist()
        return {
            "event_time": at,
            "source": SOURCE,
            "dimensions": self.dimensions[series],
            "measures": {
                FEATURES[0]: volume * scale,
                FEATURES[1]: tvl,
                FEATURES[2]: float(round(trades * scale)),
            },
        }


def iso(step: int) -> str:
    return (START + STEP * step).strftime("%Y-%m-%dT%H:%M:%SZ")


def stream(fleet: Fleet, points: range, seed: int) -> Iterator[tuple[bytes, dict[str, object]]]:
    """Each step, every series once in a random order; event time = START + step minutes."""
    rng = random.Random(seed)
    order = list(range(len(fleet.keys)))
    for point in points:
        at = iso(point)
        rng.shuffle(order)
        for series in order:
            yield fleet.keys[series], fleet.event(series, point, at)


# -- Kafka ----------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def create_topics(bootstrap: str, *names: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=PARTITIONS, replication_factor=1) for name in names]
    )
    for future in futures.values():
        try:
            future.result(timeout=30)
        except KafkaException as error:
            if "TOPIC_ALREADY_EXISTS" not in str(error):
                raise


class CheckedProducer:
    """confluent-kafka, lz4, murmur2 partitioner; checks each record's partition on delivery."""

    def __init__(self, bootstrap: str, linger_ms: int = 20) -> None:
        self.producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "compression.type": "lz4",
                "linger.ms": linger_ms,
                "partitioner": "murmur2_random",
                "enable.idempotence": True,
                "queue.buffering.max.messages": 1_000_000,
            }
        )
        self.errors: list[str] = []
        self.records = 0

    def send(self, topic: str, key: bytes, value: bytes, partition: int) -> None:
        def delivered(error: object, message: Any) -> None:
            if error is not None:
                self.errors.append(str(error))
            elif message.partition() != partition:
                self.errors.append(f"{key!r} went to {message.partition()}, not {partition}")

        while True:
            try:
                self.producer.produce(topic, key=key, value=value, on_delivery=delivered)
                break
            except BufferError:
                self.producer.poll(0.05)
        self.producer.poll(0)
        self.records += 1

    def flush(self) -> None:
        left = self.producer.flush(120)
        if left or self.errors:
            raise RuntimeError(f"{left} records undelivered; errors: {self.errors[:3]}")


def produce_envelopes(
    bootstrap: str,
    topic: str,
    events: Iterator[tuple[bytes, dict[str, object]]],
    total: int,
    size: int,
    keep: list[bytes] | None = None,
) -> float:
    """Produce `events` as envelopes of `size`; returns the seconds it took. Progress lines."""
    producer = CheckedProducer(bootstrap)
    started = time.monotonic()
    counted = [0]
    next_line = [100_000]

    def counting() -> Iterator[tuple[bytes, dict[str, object]]]:
        for item in events:
            counted[0] += 1
            if counted[0] >= next_line[0]:
                say(f"  produced {counted[0]:,} / {total:,} events")
                next_line[0] += 100_000
            yield item

    for key, partition, value in envelopes(counting(), PARTITIONS, size):
        producer.send(topic, key, value, partition)
        if keep is not None:
            keep.append(value)
    producer.flush()
    seconds = time.monotonic() - started
    say(
        f"  produced {counted[0]:,} events in {producer.records:,} records to {topic} "
        f"in {seconds:.1f} s ({counted[0] / seconds:,.0f} events/s)"
    )
    return seconds


# -- workers --------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


class Worker:
    """A `dexwatch worker` subprocess on its own app id, data dir and web port."""

    log_level = "WARNING"

    def __init__(self, bootstrap: str, app_id: str, topics: dict[str, str], root: Path, **env: str):
        self.data_dir = root / f"{app_id}-{uuid.uuid4().hex[:6]}"
        self.data_dir.mkdir(parents=True)
        self.web_port = free_port()
        self.log_path = self.data_dir / "worker.log"
        self.env = {
            **os.environ,
            "DEXWATCH_BOOTSTRAP_SERVERS": bootstrap,
            "DEXWATCH_APP_ID": app_id,
            "DEXWATCH_WEB_PORT": str(self.web_port),
            "DEXWATCH_DATA_DIR": str(self.data_dir),
            **{f"DEXWATCH_{name.upper()}_TOPIC": topic for name, topic in topics.items()},
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.start()

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dexwatch.cli.main",
                    "--log-level",
                    self.log_level,
                    "worker",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def metrics(self) -> dict[str, float] | None:
        """Samples without labels, and `LATENCY_bucket` ones as `LATENCY_bucket:<le>`."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"worker exited with {self.process.returncode}:\n{self.tail()}")
        try:
            url = f"http://127.0.0.1:{self.web_port}/metrics"
            with urllib.request.urlopen(url, timeout=5) as response:
                text = response.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None
        values: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if not sample.labels:
                    values[sample.name] = float(sample.value)
                elif sample.name == f"{LATENCY}_bucket":
                    values[f"{sample.name}:{sample.labels['le']}"] = float(sample.value)
        return values

    def value(self, name: str) -> float:
        return (self.metrics() or {}).get(name, 0.0)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@dataclass
class Drain:
    """From the first consumed record to `target` scored events, over one or more workers."""

    seconds: float
    startup_s: float  # worker start to its first consumed record
    scored: list[float]
    cpu: dict[str, float] = field(default_factory=dict)  # CPU-seconds per wall second


def total(workers: Sequence[Worker], name: str) -> float:
    return sum(worker.value(name) for worker in workers)


def drain(
    workers: Sequence[Worker],
    target: int,
    others: dict[str, int],
    timeout_s: float,
) -> Drain:
    """Time from the start of consumption to `target` scored events, polling /metrics.

    A worker's /metrics is served by the event loop that runs its batches, so it does not answer
    while it handles one: the first increase of the consumed counter is seen only after the
    first batch (which may hold 200,000 events). The start is therefore the last poll sent
    while every worker still reported nothing consumed (an upper bound on the time taken). CPU
    use of the workers and `others` (name: pid) is read from /proc over the same span."""
    deadline = time.monotonic() + timeout_s
    first = min(worker.started_at for worker in workers)
    pids = {f"worker {i + 1}": worker.pid for i, worker in enumerate(workers)} | others

    def cpu_now() -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in pids.items()} | {
            "bench": time.process_time()
        }

    consumed0: float | None = None
    started, cpu0 = time.monotonic(), cpu_now()
    while True:
        asked, cpu_asked = time.monotonic(), cpu_now()
        readings = [worker.metrics() for worker in workers]
        if all(reading is not None for reading in readings):
            consumed = sum((reading or {}).get(CONSUMED, 0.0) for reading in readings)
            if consumed0 is None:
                consumed0 = consumed
            if consumed > consumed0:
                break
            started, cpu0 = asked, cpu_asked
        if time.monotonic() > deadline:
            raise TimeoutError("the workers consumed nothing")
        time.sleep(0.05)
    next_line = time.monotonic() + 5
    while True:
        scored = total(workers, SCORED)
        now = time.monotonic()
        if scored >= target:
            break
        if now >= next_line:
            say(f"  scored {scored:,.0f} / {target:,} ({scored / (now - started):,.0f} events/s)")
            next_line += 5
        if now > deadline:
            raise TimeoutError(f"only {scored:,.0f} of {target:,} scored in {timeout_s:.0f} s")
        time.sleep(0.05)
    seconds = time.monotonic() - started
    cpu1 = cpu_now()
    return Drain(
        seconds=seconds,
        startup_s=started - first,
        scored=[worker.value(SCORED) for worker in workers],
        cpu={name: (cpu1[name] - cpu0[name]) / seconds for name in cpu0},
    )


def describe_cpu(cpu: dict[str, float]) -> str:
    parts = [f"{name} {share:.2f}" for name, share in cpu.items()]
    return f"CPU cores busy: {', '.join(parts)}; sum {sum(cpu.values()):.2f} of {os.cpu_count()}"


# -- the bare river loop --------------------------------------------------------------------


def river_loop(records: list[bytes], fleet: Fleet, warm_points: int) -> tuple[float, int]:
    """Decode `records`, then time river HST over their events (see the module docstring).

    The first `warm_points` of each series in `fleet` are its warm-up (learnt, untimed) and
    its box; without any, the box is that of all its points."""
    from river.anomaly import HalfSpaceTrees

    names = sorted(FEATURES)
    columns = [FEATURES.index(name) for name in names]
    index = {key.decode(): series for series, key in enumerate(fleet.keys)}
    started = time.monotonic()
    decoded = [event for record in records for event in orjson.loads(record)]
    say(f"  decoded {len(decoded):,} events in {time.monotonic() - started:.1f} s (untimed)")
    warm = fleet.values[:, :warm_points] if warm_points else fleet.values
    boxes = [warmup_box(warm[series][:, columns]) for series in range(len(fleet.keys))]
    models: list[Any] = [
        HalfSpaceTrees(n_trees=N_TREES, height=HEIGHT, window_size=WINDOW, seed=42)
        for _ in fleet.keys
    ]

    def scaled(row: Sequence[float], box: npt.NDArray[np.float64]) -> dict[Hashable, float]:
        unit = (np.asarray(row) - box[0]) / (box[1] - box[0])
        return dict(zip(names, unit.tolist(), strict=True))

    started = time.monotonic()
    if warm_points:
        for series, model in enumerate(models):
            for row in warm[series][:, columns]:
                model.learn_one(scaled(row, boxes[series]))
            if (series + 1) % 2000 == 0:
                say(f"  river models warmed: {series + 1:,} / {len(models):,}")
        say(f"  river warm-up, {warm_points} points per model: {time.monotonic() - started:.0f} s")
    inputs: list[tuple[Any, dict[Hashable, float]]] = []
    for event in decoded:
        series = index[series_key(event["dimensions"])]
        measures = event["measures"]
        inputs.append((models[series], scaled([measures[name] for name in names], boxes[series])))
    del decoded
    started = time.perf_counter()
    for model, x in inputs:
        model.score_one(x)
        model.learn_one(x)
    return time.perf_counter() - started, len(inputs)


# -- the parts ------------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    bootstrap: str
    broker_pid: int
    root: Path
    results: list[tuple[str, str, str]] = field(default_factory=list)
    one_worker_rate: float | None = None
    throughput_topic: str | None = None

    def topics(self, label: str) -> dict[str, str]:
        tag = f"{label}-{uuid.uuid4().hex[:6]}"
        names = {
            "metrics": f"bench.metrics.{tag}",
            "anomalies": f"bench.anomalies.{tag}",
            "dead_letter": f"bench.dead-letter.{tag}",
        }
        create_topics(self.bootstrap, *names.values())
        return names

    def worker(self, label: str, topics: dict[str, str], **env: str) -> Worker:
        return Worker(
            self.bootstrap, f"bench-{label}-{uuid.uuid4().hex[:6]}", topics, self.root, **env
        )

    def record(self, what: str, figure: str, note: str = "") -> None:
        self.results.append((what, figure, note))

    # 1
    def throughput(self) -> None:
        a = self.args
        points = a.events // a.series
        n_events = points * a.series
        say(
            f"\n== throughput, one worker: {n_events:,} events = {a.series:,} series x {points} "
            f"points, envelopes of up to {a.envelope} events, {PARTITIONS} partitions"
        )
        fleet = Fleet.make(a.series, a.river_warmup + points, a.seed)
        topics = self.topics("throughput")
        records: list[bytes] = []
        produce_envelopes(
            self.bootstrap,
            topics["metrics"],
            stream(fleet, range(a.river_warmup, a.river_warmup + points), a.seed),
            n_events,
            a.envelope,
            keep=records,
        )
        self.throughput_topic = topics["metrics"]
        self.throughput_topics = topics
        self.throughput_records = len(records)
        worker = self.worker("one", topics)
        try:
            result = drain([worker], n_events, {"broker": self.broker_pid}, a.timeout)
            stats = worker.metrics() or {}
        finally:
            worker.stop()
        rate = n_events / result.seconds
        self.one_worker_rate = rate
        say(
            f"pipeline, one worker: {n_events:,} events ({len(records):,} records) in "
            f"{result.seconds:.2f} s = {rate:,.0f} events/s (worker start to first record "
            f"{result.startup_s:.1f} s, excluded); {describe_cpu(result.cpu)}; series live "
            f"{stats.get('dexwatch_series_live', 0):,.0f}, anomalies "
            f"{stats.get('dexwatch_anomalies_produced_total', 0):,.0f}"
        )
        self.record(
            "throughput, one worker (pipeline)",
            f"{rate:,.0f} events/s",
            f"{n_events:,} events in {result.seconds:.1f} s; {describe_cpu(result.cpu)}",
        )
        say(f"bare river HalfSpaceTrees loop over the same {n_events:,} decoded events ...")
        seconds, count = river_loop(records, fleet, a.river_warmup)
        del records
        river_rate = count / seconds
        say(
            f"bare river loop: {count:,} events in {seconds:.1f} s = {river_rate:,.0f} events/s "
            f"(1 core; {a.river_warmup} untimed warm-up points per model)"
        )
        say(f"ratio pipeline / bare river loop: {rate / river_rate:.2f}x (target >= 1)")
        self.record("bare river HalfSpaceTrees loop, same events", f"{river_rate:,.0f} events/s")
        self.record("ratio pipeline / river", f"{rate / river_rate:.2f}x", "target >= 1")

    # 2
    def two_workers(self) -> None:
        a = self.args
        points = a.events // a.series
        n_events = points * a.series
        say(f"\n== two workers, one fresh group, {n_events:,} pre-produced events")
        topics = getattr(self, "throughput_topics", None)
        if topics is None:
            fleet = Fleet.make(a.series, points, a.seed)
            topics = self.topics("two")
            produce_envelopes(
                self.bootstrap,
                topics["metrics"],
                stream(fleet, range(points), a.seed),
                n_events,
                a.envelope,
            )
        app_id = f"bench-two-{uuid.uuid4().hex[:6]}"
        workers = [Worker(self.bootstrap, app_id, topics, self.root) for _ in range(2)]
        try:
            result = drain(workers, n_events, {"broker": self.broker_pid}, a.timeout)
        finally:
            for worker in workers:
                worker.stop()
        rate = n_events / result.seconds
        shares = " + ".join(f"{scored:,.0f}" for scored in result.scored)
        versus = f"{rate / self.one_worker_rate:.2f}x one worker" if self.one_worker_rate else ""
        say(
            f"pipeline, two workers: {n_events:,} events in {result.seconds:.2f} s = "
            f"{rate:,.0f} events/s {versus} (scored {shares}); {describe_cpu(result.cpu)}"
        )
        self.record(
            "throughput, two workers (one group)",
            f"{rate:,.0f} events/s",
            f"{versus}; scored {shares}; {describe_cpu(result.cpu)}",
        )

    # 3
    def latency(self) -> None:
        for size in self.args.latency_envelope or [1, 20]:
            latency_per_event(self, size)
        latency_interval(self, max(self.args.latency_envelope or [20]))

    # 4
    def recovery(self) -> None:
        a = self.args
        n_series, points = a.recovery_series, a.recovery_points
        say(
            f"\n== recovery: one worker holding {n_series:,} series ({points} events each), "
            f"kill -9, restart"
        )
        fleet = Fleet.make(n_series, points + 1, a.seed + 3)
        topics = self.topics("recovery")
        produce_envelopes(
            self.bootstrap,
            topics["metrics"],
            stream(fleet, range(points), a.seed),
            n_series * points,
            a.envelope,
        )
        app_id = f"bench-recovery-{uuid.uuid4().hex[:6]}"
        # A stable instance id (static membership): the restarted worker takes its partitions
        # back at once rather than after the session timeout. Snapshots every few seconds, so
        # the series have some before the kill (`points` events each, seconds apart).
        worker = Worker(
            self.bootstrap,
            app_id,
            topics,
            self.root,
            DEXWATCH_GROUP_INSTANCE_ID=f"{app_id}-0",
            DEXWATCH_SNAPSHOT_INTERVAL_S=str(a.recovery_snapshot_interval),
        )
        try:
            held = drain([worker], n_series * points, {}, a.timeout)
            say(
                f"  worker holds {worker.value('dexwatch_series_live'):,.0f} series; snapshot "
                f"writes so far {worker.value('dexwatch_snapshot_writes_total'):,.0f}"
            )
            time.sleep(4)  # faust commits offsets every ~3 s: let the last ones land
            worker.kill()
            say("  worker killed (SIGKILL); producing one new event per series")
            produce_envelopes(
                self.bootstrap,
                topics["metrics"],
                stream(fleet, range(points, points + 1), a.seed),
                n_series,
                a.envelope,
            )
            worker.start()
            restarted = worker.started_at
            serving = first = None
            deadline = restarted + a.timeout
            while first is None:
                reading = worker.metrics()
                if reading is not None:
                    serving = serving or time.monotonic()
                    if reading.get(SCORED, 0.0) > 0:
                        first = time.monotonic()
                if time.monotonic() > deadline:
                    raise TimeoutError("the restarted worker never scored")
                time.sleep(0.05)
            assert serving is not None
            while worker.value(SCORED) < n_series:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            all_done = time.monotonic()
            replayed = worker.value(SCORED) - n_series
        finally:
            worker.stop()
        say(
            f"recovery: restart to /metrics {serving - restarted:.1f} s, to first score "
            f"{first - restarted:.1f} s, to all {n_series:,} new events scored "
            f"{all_done - restarted:.1f} s ({max(replayed, 0):,.0f} earlier events replayed; "
            f"first drain {held.seconds:.1f} s)"
        )
        self.record(
            f"recovery, {n_series:,} series, kill -9 then restart",
            f"{first - restarted:.1f} s to first score",
            f"{all_done - restarted:.1f} s until all {n_series:,} new events scored; "
            f"/metrics after {serving - restarted:.1f} s",
        )


# -- latency --------------------------------------------------------------------------------


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


class AnomalyReader(threading.Thread):
    """Reads the anomalies topic from the start; arrival wall time per (series, start)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"bench-reader-{uuid.uuid4().hex[:8]}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "fetch.wait.max.ms": 5,
            }
        )
        self.consumer.subscribe([topic])
        # (series, interval start, arrival wall time, the worker's `detected_at`)
        self.arrivals: list[tuple[str, int, float, float]] = []
        self.stopping = threading.Event()
        self.assigned = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                message = self.consumer.poll(0.05)
                if message is None:
                    if self.consumer.assignment():
                        self.assigned.set()
                    continue
                if message.error() is not None:
                    continue
                arrived = time.time()
                anomaly = orjson.loads(message.value() or b"{}")
                detected = datetime.fromisoformat(anomaly["detected_at"]).timestamp()
                self.arrivals.append(
                    (anomaly["series"], epoch(anomaly["interval_start"]), arrived, detected)
                )
        finally:
            self.consumer.close()


def quantiles(values: Sequence[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)

    def q(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return (
        f"p50 {q(0.5):.0f} ms, p99 {q(0.99):.0f} ms, max {ordered[-1] * 1000:.0f} ms "
        f"(n={len(ordered):,})"
    )


def histogram_quantile(buckets: dict[float, float], p: float) -> float:
    """Prometheus' `histogram_quantile`: linear inside the bucket that holds the rank."""
    bounds = sorted(buckets)
    count = buckets[bounds[-1]]
    if count <= 0:
        return float("nan")
    rank = p * count
    index = bisect.bisect_left([buckets[b] for b in bounds], rank)
    upper = bounds[index]
    if upper == float("inf"):
        return bounds[-2]
    lower = bounds[index - 1] if index else 0.0
    below = buckets[lower] if index else 0.0
    inside = buckets[upper] - below
    return lower + (upper - lower) * ((rank - below) / inside if inside else 1.0)


def worker_histogram(worker: Worker) -> dict[float, float]:
    reading = worker.metrics() or {}
    prefix = f"{LATENCY}_bucket:"
    return {float(k[len(prefix) :]): v for k, v in reading.items() if k.startswith(prefix)}


class Pacer:
    """Produce at a steady rate: `slot_s` slices, each its share of events, on the clock."""

    def __init__(self, rate: float, slot_s: float = 0.01) -> None:
        self.rate = rate
        self.slot_s = slot_s
        self.started = time.monotonic()
        self.sent = 0

    def wait_turn(self) -> None:
        due = self.started + self.sent / self.rate
        delay = due - time.monotonic()
        if delay > self.slot_s:
            time.sleep(delay)


def steady(
    bench: Bench,
    topic: str,
    items: Iterator[tuple[bytes, dict[str, object], tuple[str, int] | None]],
    envelope: int,
    seconds: float,
) -> tuple[dict[tuple[str, int], float], int, float]:
    """Produce `items` at `--rate` for `seconds`: (series, event time) -> produce wall time
    for the items that carry a tag; events sent; the achieved rate."""
    a = bench.args
    producer = CheckedProducer(bench.bootstrap, linger_ms=a.linger_ms)
    # A fresh producer spends its first ~0.5 s connecting (metadata, the idempotent producer
    # id): sent in the timed phase, the first events measured that, not the pipeline. One
    # record to a topic of its own, delivered before the clock starts, pays it.
    warm = f"{topic}.producer-warm-up"
    create_topics(bench.bootstrap, warm)
    producer.send(warm, b"warm-up", b"{}", partition_for(b"warm-up", PARTITIONS))
    producer.flush()
    produced_at: dict[tuple[str, int], float] = {}
    pacer = Pacer(a.rate)
    pending: dict[int, tuple[bytes, list[object]]] = {}
    next_line = pacer.started + 5
    end = pacer.started + seconds
    while time.monotonic() < end:
        key, event, tag = next(items)
        pacer.wait_turn()
        partition = partition_for(key, PARTITIONS)
        if tag is not None:
            produced_at[tag] = time.time()
        if envelope <= 1:
            producer.send(topic, key, orjson.dumps(event), partition)
        else:
            held = pending.setdefault(partition, (key, []))
            held[1].append(event)
            if len(held[1]) >= envelope:
                del pending[partition]
                producer.send(topic, held[0], orjson.dumps(held[1]), partition)
        pacer.sent += 1
        if time.monotonic() >= next_line:
            say(
                f"  sent {pacer.sent:,} events "
                f"({pacer.sent / (time.monotonic() - pacer.started):,.0f}/s)"
            )
            next_line += 5
    for key, items_ in pending.values():
        producer.send(topic, key, orjson.dumps(items_), partition_for(key, PARTITIONS))
    producer.flush()
    return produced_at, pacer.sent, pacer.sent / (time.monotonic() - pacer.started)


def latency_per_event(bench: Bench, envelope: int) -> None:
    a = bench.args
    from dexwatch.detectors.series_settings import SeriesModelSettings

    warmup = SeriesModelSettings().warmup
    n_bg, n_probes = a.latency_series, a.probes
    form = "single events" if envelope <= 1 else f"envelopes of up to {envelope}"
    say(
        f"\n== latency, default dataset (every event scored): {a.rate:,} events/s for "
        f"{a.seconds:.0f} s as {form}, {n_bg:,} series + {n_probes} probe series, all warmed "
        f"up first ({warmup} points each)"
    )
    steps = int(a.rate * a.seconds / n_bg) + 10
    fleet = Fleet.make(n_bg, warmup + steps, a.seed + 1)
    probes = Fleet.make(n_probes, warmup + 1, a.seed + 2, prefix="0xfeed")
    topics = bench.topics("latency")
    reader = AnomalyReader(bench.bootstrap, topics["anomalies"])
    reader.start()

    def warm() -> Iterator[tuple[bytes, dict[str, object]]]:
        yield from stream(fleet, range(warmup), a.seed)
        yield from stream(probes, range(warmup), a.seed)

    n_warm = (n_bg + n_probes) * warmup
    produce_envelopes(bench.bootstrap, topics["metrics"], warm(), n_warm, a.envelope)
    worker = bench.worker("latency", topics)
    try:
        warmed = drain([worker], n_warm, {}, a.timeout)
        say(f"  warm-up drained in {warmed.seconds:.1f} s; steady phase")
        reader.assigned.wait(30)
        spiked: list[tuple[str, int]] = []
        every = max(1, int(a.rate * a.probe_every_ms / 1000))

        def items() -> Iterator[tuple[bytes, dict[str, object], tuple[str, int] | None]]:
            sent = 0
            rng = random.Random(a.seed)
            order = list(range(n_bg))
            for point in range(warmup, warmup + steps):
                at = iso(point)
                rng.shuffle(order)
                for series in order:
                    sent += 1
                    if sent % every == 0 and len(spiked) < n_probes:
                        probe = len(spiked)
                        spiked.append((probes.keys[probe].decode(), epoch(iso(warmup))))
                        event = probes.event(probe, warmup, iso(warmup), scale=1000.0)
                        yield probes.keys[probe], event, spiked[-1]
                    yield (
                        fleet.keys[series],
                        fleet.event(series, point, at),
                        (
                            fleet.keys[series].decode(),
                            epoch(at),
                        ),
                    )

        before = worker_histogram(worker)
        cpu0 = {"worker": cpu_seconds(worker.pid), "broker": cpu_seconds(bench.broker_pid)}
        wall0 = time.monotonic()
        produced_at, sent, achieved = steady(bench, topics["metrics"], items(), envelope, a.seconds)
        wall = time.monotonic() - wall0
        cpu = {
            "worker": (cpu_seconds(worker.pid) - cpu0["worker"]) / wall,
            "broker": (cpu_seconds(bench.broker_pid) - cpu0["broker"]) / wall,
        }
        behind = n_warm + sent - worker.value(SCORED)
        say(
            f"  sent {sent:,} events at {achieved:,.0f}/s; scored-behind at the end: "
            f"{behind:,.0f} events; {describe_cpu(cpu)}"
        )
        drain_deadline = time.monotonic() + a.timeout
        while worker.value(SCORED) < n_warm + sent and time.monotonic() < drain_deadline:
            time.sleep(0.1)
        time.sleep(2)  # the last anomalies on their way
        after = worker_histogram(worker)
    finally:
        worker.stop()
        reader.stopping.set()
        reader.join(10)
    probe_tags = set(spiked)
    natural: list[float] = []
    probed: list[float] = []
    to_detected: list[float] = []  # produce() to the worker's `detected_at`
    to_arrival: list[float] = []  # `detected_at` to the bench's consumer
    for series, start, arrived, detected in reader.arrivals:
        sent_at = produced_at.get((series, start))
        if sent_at is None:
            continue
        (probed if (series, start) in probe_tags else natural).append(arrived - sent_at)
        to_detected.append(detected - sent_at)
        to_arrival.append(arrived - detected)
    window = {bound: after.get(bound, 0.0) - before.get(bound, 0.0) for bound in after}
    hist = ", ".join(
        f"p{int(p * 100)} {histogram_quantile(window, p) * 1000:.1f} ms" for p in (0.5, 0.99)
    )
    say(
        f"latency, produce to anomaly event ({form}, {achieved:,.0f} events/s): natural "
        f"anomalies {quantiles(natural)}; probe spikes {quantiles(probed)} "
        f"({len(probed)} of {len(spiked)} probes alerted); worker histogram (arrival to "
        f"hand-over, {window.get(float('inf'), 0):,.0f} anomalies): {hist}"
    )
    say(
        f"  of which produce to scored (`detected_at`): {quantiles(to_detected)}; scored to "
        f"the bench's consumer: {quantiles(to_arrival)}"
    )
    both = natural + probed
    bench.record(
        f"latency, produce to anomaly, {achieved:,.0f} events/s ({form})",
        quantiles(both).split(", max")[0],
        f"natural {quantiles(natural)}; probes {quantiles(probed)}; worker histogram {hist}; "
        f"{describe_cpu(cpu)}",
    )


def latency_interval(bench: Bench, envelope: int) -> None:
    """An interval dataset (1m): from the first event that moves the watermark past an
    interval's end (+ lateness) being produced, to that interval's anomaly events arriving.

    The warm-up is pre-produced (envelopes), so the partitions are read with skew; the allowed
    lateness is set above the warm-up's span so none of it is late, and intervals then close
    `lateness` behind the newest event time, driven by the steady producer."""
    a = bench.args
    n_series, warmup = a.interval_series, a.interval_warmup
    lateness = warmup + 5  # minutes
    say(
        f"\n== interval close to anomaly: dataset 1m interval, allowed lateness {lateness}m, "
        f"{n_series} series, detector warm-up {warmup} intervals, {a.rate:,} events/s, "
        f"records of up to {envelope} events"
    )
    topics = bench.topics("interval")
    dataset = bench.root / f"interval-{uuid.uuid4().hex[:6]}.yaml"
    dataset.write_text(
        "name: bench-interval\n"
        f"source: {{topic: {topics['metrics']}}}\n"
        "dimensions: [chain, dex, pool]\n"
        "measures:\n"
        "  - {name: volume_usd, aggregation: sum}\n"
        "  - {name: tvl_usd, aggregation: last}\n"
        "  - {name: tx_count, aggregation: sum}\n"
        "interval: 1m\n"
        f"allowed_lateness: {lateness}m\n"
        f"detector: {{warmup: {warmup}}}\n"
    )
    steps = int(a.rate * a.seconds / n_series) + warmup + 10
    if steps <= warmup + lateness + 5:
        say("  (the steady phase is too short to close a warmed-up interval: raise --seconds)")
    fleet = Fleet.make(n_series, steps, a.seed + 4)
    reader = AnomalyReader(bench.bootstrap, topics["anomalies"])
    reader.start()
    records: list[bytes] = []
    produce_envelopes(
        bench.bootstrap,
        topics["metrics"],
        stream(fleet, range(warmup), a.seed),
        n_series * warmup,
        a.envelope,
        keep=records,
    )
    worker = bench.worker("interval", topics, DEXWATCH_DATASETS=str(dataset))
    spike_every = max(1, int(a.probe_every_ms / 1000 * a.rate / n_series))
    try:
        deadline = time.monotonic() + a.timeout
        while worker.value(CONSUMED) < len(records):  # nothing closes yet: within lateness
            if time.monotonic() > deadline:
                raise TimeoutError("the interval worker did not read its warm-up")
            time.sleep(0.1)
        reader.assigned.wait(30)
        first_of_minute: dict[int, float] = {}

        def items() -> Iterator[tuple[bytes, dict[str, object], tuple[str, int] | None]]:
            rng = random.Random(a.seed)
            order = list(range(n_series))
            for point in range(warmup, steps):
                at = iso(point)
                rng.shuffle(order)
                spike = order[0] if point % spike_every == 0 else -1
                for position, series in enumerate(order):
                    scale = 1000.0 if series == spike else 1.0
                    tag = ("minute", point) if position == 0 else None
                    yield fleet.keys[series], fleet.event(series, point, at, scale), tag

        produced_at, _, achieved = steady(bench, topics["metrics"], items(), envelope, a.seconds)
        first_of_minute = {minute: at for (_, minute), at in produced_at.items()}
        time.sleep(3)
    finally:
        worker.stop()
        reader.stopping.set()
        reader.join(10)
    delays: list[float] = []
    minute0 = int(START.timestamp())
    for _, start, arrived, _detected in reader.arrivals:
        closing = (start - minute0) // 60 + 1 + lateness  # its first event closes it
        sent_at = first_of_minute.get(closing)
        if sent_at is not None:
            delays.append(arrived - sent_at)
    say(
        f"interval close to anomaly event ({achieved:,.0f} events/s, {len(reader.arrivals)} "
        f"anomalies): {quantiles(delays)}"
    )
    bench.record(
        "interval dataset (1m): closing event produced to anomaly",
        quantiles(delays).split(", max")[0],
        f"{n_series} series, lateness {lateness}m, warm-up {warmup}",
    )


# -- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", choices=PARTS, action="append", help="a part (repeatable)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--envelope", type=int, default=200, help="events per record, at most")
    parser.add_argument("--river-warmup", type=int, default=WINDOW, help="untimed, per model")
    parser.add_argument("--rate", type=int, default=10_000, help="latency: events/s")
    parser.add_argument("--seconds", type=float, default=30.0, help="latency: steady phase")
    parser.add_argument("--latency-series", type=int, default=1000)
    parser.add_argument(
        "--latency-envelope",
        type=int,
        action="append",
        help="events per record in the latency runs, repeatable; 1: single events (default: 1 "
        "and 20; the interval run uses the largest)",
    )
    parser.add_argument("--linger-ms", type=int, default=5, help="latency producer's linger")
    parser.add_argument("--probes", type=int, default=60, help="probe series, spiked once")
    parser.add_argument("--probe-every-ms", type=int, default=500)
    parser.add_argument("--interval-series", type=int, default=200)
    parser.add_argument("--interval-warmup", type=int, default=60)
    parser.add_argument("--recovery-series", type=int, default=100_000)
    parser.add_argument("--recovery-points", type=int, default=3)
    parser.add_argument(
        "--recovery-snapshot-interval", type=float, default=2.0, help="seconds, recovery run"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="per wait, seconds")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    parts = args.only or list(PARTS)
    say(f"machine: {machine()}")

    from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings

    root = Path(tempfile.mkdtemp(prefix="dexwatch-bench-"))
    broker = LocalKafkaBroker(
        LocalKafkaSettings(
            port=free_port(), controller_port=free_port(), state_dir=root / "kafka", heap="1g"
        )
    )
    status = broker.start()
    assert status.pid is not None
    say(f"broker: Kafka {broker.settings.version} on {status.bootstrap_servers} (pid {status.pid})")
    bench = Bench(args, status.bootstrap_servers, status.pid, root)
    try:
        for part in PARTS:
            if part in parts:
                getattr(bench, part.replace("-", "_"))()
    finally:
        broker.stop()
        shutil.rmtree(root, ignore_errors=True)
        say("\nfigures:")
        for what, figure, note in bench.results:
            say(f"  {what}: {figure}" + (f"  ({note})" if note else ""))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
