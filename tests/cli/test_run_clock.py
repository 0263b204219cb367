"""Where `dexwatch run`'s simulator starts: on the Monday after the topic's last event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from dexwatch.cli.run_clock import last_event_time, next_monday
from dexwatch.schemas import MetricEvent, encode
from tests.support.kafka_helpers import create_topic, produce


def test_next_monday_is_strictly_after() -> None:
    sunday_night = datetime(2026, 1, 18, 23, 59, tzinfo=UTC)
    assert next_monday(sunday_night) == datetime(2026, 1, 19, tzinfo=UTC)
    monday = datetime(2026, 1, 19, tzinfo=UTC)
    assert next_monday(monday) == datetime(2026, 1, 26, tzinfo=UTC)


@pytest.mark.kafka
def test_the_last_event_time_of_a_topic(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("metrics"), partitions=2)
    assert last_event_time(kafka_bootstrap, topic) is None
    times = [datetime(2026, 1, day, tzinfo=UTC) for day in (5, 9, 7)]
    events = [
        encode(
            MetricEvent(event_time=at, source="t", dimensions={"pool": str(n)}, measures={"v": 1})
        )
        for n, at in enumerate(times)
    ]
    produce(kafka_bootstrap, topic, [(str(n).encode(), event) for n, event in enumerate(events)])
    produce(kafka_bootstrap, topic, [(None, b"not json")])  # anyone may produce here
    assert last_event_time(kafka_bootstrap, topic) == datetime(2026, 1, 9, tzinfo=UTC)
