"""Broker kill -9s under a steady producer: nothing lost, nothing twice, no partition left idle.

    python -m bench.broker_restart [--kills 2] [--rate 300] [--series 64] [--down-s 5]
                                   [--between-s 30] [--json OUT.json]

Starts its own Apache Kafka (`deploy.local_kafka`, free loopback ports, a temporary data dir),
a `dexwatch worker` on the default dataset over an 8-partition topic, a steady producer and a
watcher of the group's committed offsets (each its own process: `bench.restart_clients`). The
broker is killed with SIGKILL `--kills` times, `--between-s` apart, and started again after
`--down-s`. Then the producer stops and the worker drains. Printed:

- per restart, each partition's idle time after the broker answered: the longest span with
  records waiting and its committed offset not moving (commits come every ~3 s: that is the
  resolution), and the worker's stall-watchdog seeks;
- lost: events the producer had acknowledged that the worker never read (its consumed counter
  and the committed offsets against the high waters), and dead letters;
- twice: events read more than once (consumed above acknowledged) and anomaly ids that appear
  more than once on the anomalies topic.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer, TopicPartition

from bench.pipeline.output import say
from bench.pipeline.producing import PARTITIONS, create_topics
from bench.pipeline.workers import Worker
from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings
from tests.support.kafka_helpers import free_port, wait_for

__all__ = ["main"]

IDLE_LIMIT_S = 15.0
CONSUMED = "dexwatch_events_consumed_total"


def _client(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bench.restart_clients", *args])


def _stop(process: subprocess.Popen[bytes], timeout_s: float) -> int:
    process.terminate()
    try:
        return process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(10)


def _read(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def idle_after(samples: list[dict[str, Any]], answered: float, until: float) -> list[float]:
    """Per partition, the longest time in (`answered`, `until`) with records waiting (high water
    above committed) and its committed offset not moving, counted from `answered` at the
    earliest; a move is taken to happen at the sample that shows it (an upper bound: commits
    come every ~3 s)."""
    idle = [0.0] * PARTITIONS
    last_move = [answered] * PARTITIONS
    previous: dict[str, Any] | None = None
    for sample in samples:
        if "error" in sample or not answered <= sample["t"] <= until:
            continue
        at, committed, high = sample["t"], sample["committed"], sample["high"]
        for p in range(PARTITIONS):
            moved = previous is not None and committed[p] != previous["committed"][p]
            waited = previous is None or previous["high"][p] > max(previous["committed"][p], 0)
            waiting = high[p] > max(committed[p], 0)
            if waiting or (moved and waited):
                idle[p] = max(idle[p], at - last_move[p])
            if moved or not waiting:
                last_move[p] = at
        previous = sample
    return idle


def _read_all(bootstrap: str, topic: str, expect_at_least: int) -> list[bytes]:
    """Every value of `topic` (the broker is up and steady by now)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-read-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    ends = {}
    for p in range(PARTITIONS):
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        if high > low:
            ends[p] = high
    consumer.assign([TopicPartition(topic, p, 0) for p in ends])
    values: list[bytes] = []
    done: set[int] = set()
    deadline = time.monotonic() + 120
    while len(done) < len(ends) and time.monotonic() < deadline:
        for message in consumer.consume(1000, timeout=1.0):
            if message.error() is None:
                values.append(message.value() or b"")
                if (message.offset() or 0) + 1 >= ends[message.partition() or 0]:
                    done.add(message.partition() or 0)
    consumer.close()
    assert len(values) >= expect_at_least, f"read {len(values)} of {topic}"
    return values


class Watcher:
    """The watcher process, started again whenever it dies (librdkafka can abort while its
    broker is killed); its samples go on in the same file."""

    def __init__(self, bootstrap: str, group: str, topic: str, path: Path) -> None:
        self.args = ("watch", bootstrap, group, topic, str(PARTITIONS), str(path))
        self.path = path
        self.crashes = 0
        self.process = _client(*self.args)

    def sleep(self, seconds: float) -> None:
        """Sleep, restarting the watcher if it died meanwhile."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if self.process.poll() is not None:
                self.crashes += 1
                say(f"  (the watcher died with {self.process.returncode}; started again)")
                self.process = _client(*self.args)
            time.sleep(min(0.5, max(0.0, until - time.monotonic())))

    def samples(self) -> list[dict[str, Any]]:
        _stop(self.process, 30)
        return [orjson.loads(line) for line in self.path.read_bytes().splitlines()]


def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """The whole scenario; returns the figures (also printed)."""
    settings = LocalKafkaSettings(
        port=free_port(), controller_port=free_port(), state_dir=root / "kafka"
    )
    broker = LocalKafkaBroker(settings)
    broker.start()
    bootstrap = settings.bootstrap_servers
    topics = {kind: f"restart-{kind}" for kind in ("metrics", "anomalies", "dead_letter")}
    create_topics(bootstrap, *topics.values())
    app_id = f"restart-{uuid.uuid4().hex[:6]}"
    # At INFO: rebalances and seeks are what we look at.
    env = {"DEXWATCH_DETECTOR__WARMUP": "30"}
    worker = Worker(bootstrap, app_id, topics, root, env, log_level="INFO")
    produced, watched = root / "produced.json", root / "watched.jsonl"
    producer: subprocess.Popen[bytes] | None = None
    watcher: Watcher | None = None
    restarts: list[tuple[float, float]] = []  # (killed, answered), wall times
    try:
        wait_for(lambda: worker.metrics() is not None, 120, "an answer from the worker's /metrics")
        metrics_topic = topics["metrics"]
        rate, series = str(args.rate), str(args.series)
        producer = _client("produce", bootstrap, metrics_topic, rate, series, str(produced))
        watcher = Watcher(bootstrap, app_id, metrics_topic, watched)
        wait_for(lambda: produced.with_suffix(".ready").exists(), 120, "a record from the producer")
        wait_for(lambda: b'"high"' in _read(watched), 120, "a sample from the watcher")
        say(f"steady producer: {args.rate:,.0f} events/s over {args.series} series")
        watcher.sleep(args.between_s)
        for kill in range(args.kills):
            killed = time.time()
            broker.crash()
            say(f"kill -9 #{kill + 1} of the broker; started again after {args.down_s:.0f} s")
            watcher.sleep(args.down_s)
            broker.start()
            restarts.append((killed, time.time()))
            say(f"  it answers {restarts[-1][1] - killed:.1f} s after the kill")
            watcher.sleep(args.between_s)
        _stop(producer, 330)
        sent = orjson.loads(produced.read_bytes())
        say(f"producer stopped: {sent['acked']:,} events acknowledged, {sent['failed']} failed")
        deadline = time.monotonic() + 180
        while worker.value(CONSUMED) < sent["acked"] and time.monotonic() < deadline:
            watcher.sleep(1.0)
        watcher.sleep(6.0)  # two commit intervals: the last offsets committed, and watched
        samples = watcher.samples()
        metrics = worker.metrics() or {}
        anomaly_ids = [
            orjson.loads(value)["anomaly_id"]
            for value in _read_all(bootstrap, topics["anomalies"], 0)
        ]
        dead_letters = len(_read_all(bootstrap, topics["dead_letter"], 0))
    finally:
        for client in (producer, watcher.process if watcher is not None else None):
            if client is not None and client.poll() is None:
                _stop(client, 30)
        worker.stop()
        broker.stop()
    figures = _report(restarts, samples, sent, metrics, anomaly_ids, dead_letters)
    return figures | {"watcher_crashes": watcher.crashes}


def _report(
    restarts: list[tuple[float, float]],
    samples: list[dict[str, Any]],
    sent: dict[str, Any],
    metrics: dict[str, float],
    anomaly_ids: list[str],
    dead_letters: int,
) -> dict[str, Any]:
    ends = [killed for killed, _ in restarts[1:]] + [samples[-1]["t"]]
    gaps = []  # the longest wait between samples after each answer: the figures' resolution
    for (_, answered), until in zip(restarts, ends, strict=True):
        times = [s["t"] for s in samples if "error" not in s and answered <= s["t"] <= until]
        gaps.append(max(b - a for a, b in itertools.pairwise([answered, *times, until])))
    idle = [
        idle_after(samples, answered, until)
        for (_, answered), until in zip(restarts, ends, strict=True)
    ]
    for number, per_partition in enumerate(idle, start=1):
        say(
            f"restart {number}: longest idle with records waiting after the broker answered, "
            f"per partition: {', '.join(f'{s:.1f}' for s in per_partition)} s "
            f"(max {max(per_partition):.1f} s, limit {IDLE_LIMIT_S:.0f} s; samples at most "
            f"{gaps[number - 1]:.1f} s apart)"
        )
    last = next(sample for sample in reversed(samples) if "error" not in sample)
    uncommitted = sum(h - max(c, 0) for h, c in zip(last["high"], last["committed"], strict=True))
    acked, consumed = sent["acked"], int(metrics.get(CONSUMED, 0))
    twice_ids = sum(count - 1 for count in Counter(anomaly_ids).values() if count > 1)
    figures = {
        "acknowledged": acked,
        "high_water_sum": sum(last["high"]),
        "consumed": consumed,
        "lost": max(0, acked - consumed) + dead_letters,
        "read_twice": max(0, consumed - acked),
        "uncommitted_at_end": uncommitted,
        "dead_letters": dead_letters,
        "anomalies": len(anomaly_ids),
        "double_anomaly_ids": twice_ids,
        "max_idle_s": [max(per_partition) for per_partition in idle],
        "max_sample_gap_s": gaps,
        "stall_seeks": metrics.get("dexwatch_partition_stalls_total", 0.0),
        "sought_after_outage": metrics.get("dexwatch_partitions_sought_after_outage_total", 0.0),
        "offset_holes": metrics.get("dexwatch_offset_holes_total", 0.0),
        "redelivered_dropped": metrics.get("dexwatch_records_redelivered_total", 0.0),
    }
    say(
        f"events: {acked:,} acknowledged, {figures['high_water_sum']:,} on the broker, "
        f"{consumed:,} read by the worker, {uncommitted} not committed at the end; "
        f"lost {figures['lost']}, read twice {figures['read_twice']}, "
        f"dead letters {dead_letters}"
    )
    say(
        f"anomalies: {len(anomaly_ids)}, ids seen twice: {twice_ids}; partitions sought on the "
        f"broker's return {figures['sought_after_outage']:.0f}, stall-watchdog seeks "
        f"{figures['stall_seeks']:.0f}, offset holes read back {figures['offset_holes']:.0f}, "
        f"re-deliveries dropped {figures['redelivered_dropped']:.0f}"
    )
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.broker_restart", description=__doc__)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--rate", type=float, default=300.0, help="events a second")
    parser.add_argument("--series", type=int, default=64)
    parser.add_argument("--down-s", type=float, default=5.0)
    parser.add_argument("--between-s", type=float, default=30.0)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--keep", type=Path, help="a folder for the logs and samples, kept")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="dexwatch-restart-") as root:
            figures = run(args, Path(root))
    if args.json is not None:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
