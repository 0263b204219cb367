"""Where `dexwatch run`'s simulator starts: after whatever an earlier run left in the topic.

The worker keeps its models between runs (snapshots), and the simulator's clock would start at
the same Monday again: a second run's events would all lie in the models' past (records read
again, not judged) and the demo would show nothing until it caught up. So a run reads the last
event time on the metrics topic and starts the simulation on the Monday after it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import orjson

from dexwatch.streams.priming.topic_reader import (
    PartitionRange,
    StartPosition,
    TopicReader,
    TopicReadError,
)
from dexwatch.tabular.csv_input import TimeParseError, parse_time

__all__ = ["last_event_time", "next_monday"]

_LAST_RECORDS = 100  # per partition: a few bad records at the end do not hide the clock


def last_event_time(bootstrap_servers: str, topic: str, *, wait_s: float = 15.0) -> datetime | None:
    """The latest `event_time` among the last records of each partition of `topic` (None when
    the topic is empty or none of those records has a readable one).

    A topic created a moment ago may have no partition leader yet: the read is tried again for
    up to `wait_s`, then the error is raised.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return _last_event_time(bootstrap_servers, topic)
        except TopicReadError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def _last_event_time(bootstrap_servers: str, topic: str) -> datetime | None:
    with TopicReader(bootstrap_servers, topic, StartPosition()) as whole:
        last = [
            PartitionRange(part.partition, max(part.start, part.end - _LAST_RECORDS), part.end)
            for part in whole.ranges
            if part.count > 0
        ]
    if not last:
        return None
    latest: datetime | None = None
    with TopicReader(bootstrap_servers, topic, StartPosition(), ranges=last) as reader:
        for batch in reader.batches():
            for record in batch:
                at = _event_time(record.value)
                if at is not None and (latest is None or at > latest):
                    latest = at
    return latest


def next_monday(after: datetime) -> datetime:
    """00:00 UTC of the first Monday strictly after `after` (the simulator's weeks start then)."""
    day = after.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=7 - day.weekday())


def _event_time(value: bytes | None) -> datetime | None:
    # Anyone may produce to the metrics topic: a record that is not a metric event is skipped.
    try:
        event = orjson.loads(value or b"")
        text = event["event_time"] if isinstance(event, dict) else None
        return parse_time(str(text)) if text is not None else None
    except (orjson.JSONDecodeError, TimeParseError, KeyError, TypeError):
        return None
