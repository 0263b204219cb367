"""The Kafka clients of `bench.broker_restart`, each run as its own process.

confluent-kafka clients that poll while their broker is killed have crashed the Python process
that held them (a segfault inside pytest): here each lives in a subprocess of its own, so such a
crash ends one client, visibly, and not the benchmark.

    python -m bench.restart_clients produce BOOTSTRAP TOPIC RATE SERIES OUT.json
    python -m bench.restart_clients watch BOOTSTRAP GROUP TOPIC PARTITIONS OUT.jsonl

Both run until SIGTERM; `produce` then flushes (waiting out an outage) and writes a summary.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from bench.pipeline.events import Fleet, stream

__all__ = ["main"]

SPIKE_EVERY = 997  # one event in so many is a spike (x20 volume and trades): anomalies
WATCH_EVERY_S = 0.5
_stopping = False


def _stop(*_args: object) -> None:
    global _stopping
    _stopping = True


def produce(bootstrap: str, topic: str, rate: float, series: int, out: Path) -> None:
    """`rate` events a second, each series in turn, until SIGTERM; then flush and summarise."""
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,  # retries across an outage write each record once
            "linger.ms": 5,
            "message.timeout.ms": 300_000,
            "log_level": 3,  # the outage's connection errors are expected
        }
    )
    counts = {"sent": 0, "acked": 0, "failed": 0}
    errors: list[str] = []

    ready = out.with_suffix(".ready")

    def delivered(error: Any, _message: Any) -> None:
        if error is None:
            counts["acked"] += 1
            if counts["acked"] == 1:
                ready.touch()  # the benchmark's clock starts here
        else:
            counts["failed"] += 1
            errors.append(str(error))

    fleet = Fleet.make(series, 20_000, seed=11)
    started = time.monotonic()
    for n, (key, event) in enumerate(stream(fleet, range(20_000), seed=11)):
        if _stopping:
            break
        if n % SPIKE_EVERY == SPIKE_EVERY - 1:
            measures = event["measures"]
            assert isinstance(measures, dict)
            event["measures"] = {name: 20 * value for name, value in measures.items()}
        while True:
            try:
                producer.produce(topic, key=key, value=orjson.dumps(event), on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
        counts["sent"] += 1
        producer.poll(0)
        ahead = counts["sent"] / rate - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)
    left = producer.flush(300)
    out.write_bytes(orjson.dumps({**counts, "unflushed": left, "errors": errors[:5]}))


def watch(bootstrap: str, group: str, topic: str, partitions: int, out: Path) -> None:
    """Every `WATCH_EVERY_S`, the group's committed offsets and the high waters, one JSON line
    each (or the error, while the broker is away). One plain consumer that joins no group: it
    only asks for the group's offsets (an admin client's timed-out requests have crashed
    librdkafka during a kill: `rd_kafka_enq_once_del_source_return` assertion)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,  # read only: it never subscribes, so never joins
            "enable.auto.commit": False,
            "log_level": 0,
        }
    )
    wanted = [TopicPartition(topic, p) for p in range(partitions)]
    with out.open("ab") as lines:
        while not _stopping:
            at = time.time()
            try:
                high = [consumer.get_watermark_offsets(tp, timeout=2)[1] for tp in wanted]
                found = consumer.committed(wanted, timeout=2)
                sample: dict[str, Any] = {
                    "t": at,
                    "high": high,
                    "committed": [tp.offset for tp in sorted(found, key=lambda tp: tp.partition)],
                }
            except KafkaException as error:
                sample = {"t": at, "error": str(error)[:200]}
            lines.write(orjson.dumps(sample) + b"\n")
            lines.flush()
            time.sleep(max(0.0, WATCH_EVERY_S - (time.time() - at)))
    consumer.close()


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _stop)
    if args[:1] == ["produce"] and len(args) == 6:
        produce(args[1], args[2], float(args[3]), int(args[4]), Path(args[5]))
    elif args[:1] == ["watch"] and len(args) == 6:
        watch(args[1], args[2], args[3], int(args[4]), Path(args[5]))
    else:
        sys.exit(
            "expected: produce BOOTSTRAP TOPIC RATE SERIES OUT.json | "
            "watch BOOTSTRAP GROUP TOPIC PARTITIONS OUT.jsonl"
        )


if __name__ == "__main__":
    main()
