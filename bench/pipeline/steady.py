"""Produce at a steady rate for a while, as single events or envelopes, noting when tagged
events were sent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import orjson

from bench.envelopes import partition_for
from bench.pipeline.output import say
from bench.pipeline.producing import PARTITIONS, CheckedProducer, create_topics
from dexwatch.connectors.pacing import Pacer

__all__ = ["Item", "Steady", "steady"]

# (series key, event, a tag to note the send time of, or None)
Item = tuple[bytes, dict[str, object], tuple[str, int] | None]

# The producing loop sleeps only when it is this far ahead of its schedule: a sleep per event
# at 10,000 events/s would cost more than the 100 µs it waits.
SLOT_S = 0.01


@dataclass(frozen=True, slots=True)
class Steady:
    """What `steady` sent: wall send time per tag, events and records sent, the rate
    achieved."""

    produced_at: dict[tuple[str, int], float]
    sent: int
    records: int
    rate: float


def steady(
    bootstrap: str,
    topic: str,
    items: Iterator[Item],
    envelope: int,
    rate: int,
    seconds: float,
    linger_ms: int,
) -> Steady:
    """Produce `items` at `rate` events/s for `seconds`, one record each (`envelope` 1) or in
    envelopes of up to `envelope` events per partition."""
    producer = CheckedProducer(bootstrap, linger_ms=linger_ms)
    # A fresh producer spends its first ~0.5 s connecting (metadata, the idempotent producer
    # id): sent in the timed phase, the first events measured that, not the pipeline. One
    # record to a topic of its own, delivered before the clock starts, pays it.
    warm = f"{topic}.producer-warm-up"
    create_topics(bootstrap, warm)
    producer.send(warm, b"warm-up", b"{}", partition_for(b"warm-up", PARTITIONS))
    producer.flush()
    produced_at: dict[tuple[str, int], float] = {}
    pacer = Pacer()
    pacer.wait_until(0.0)  # starts its clock
    sent = 0
    pending: dict[int, tuple[bytes, list[object]]] = {}
    next_line = 5.0
    while pacer.elapsed() < seconds:
        key, event, tag = next(items)
        due = sent / rate
        if due - pacer.elapsed() > SLOT_S:
            pacer.wait_until(due)
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
        sent += 1
        if pacer.elapsed() >= next_line:
            say(f"  sent {sent:,} events ({sent / pacer.elapsed():,.0f}/s)")
            next_line += 5
    for key, events in pending.values():
        producer.send(topic, key, orjson.dumps(events), partition_for(key, PARTITIONS))
    producer.flush()
    records = producer.records - 1  # not the warm-up record
    return Steady(produced_at, sent, records, sent / pacer.elapsed())
