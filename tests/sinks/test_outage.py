"""Against the real broker, the sink as a process: the receiver is down for a minute while
incidents keep coming, and the sink is killed -9 once. Afterwards every incident version has
arrived, and none arrived under two idempotency keys."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from dexwatch.schemas.codec import decode
from dexwatch.schemas.incident import IncidentEvent
from tests.http_servers import ServerThread, WebhookReceiver
from tests.sinks.incident_feed import IncidentFeed
from tests.sinks.sink_configs import fresh_settings, write_config
from tests.sinks.sink_process import SinkProcess, scrape
from tests.support.kafka_helpers import consume, free_port, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

SECRET = b"outage-secret-0123456789"
OUTAGE_S = 60.0  # "the receiver is down for a minute"


def test_a_minute_long_outage_and_a_kill_lose_nothing_and_send_nothing_twice_as_two(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    receiver = WebhookReceiver(SECRET)
    server = ServerThread(receiver.app, port=free_port())
    server.start()
    metrics_port = free_port()
    settings = fresh_settings(
        kafka_bootstrap,
        unique_name,
        tmp_path / "data",
        partitions=4,
        metrics_port=metrics_port,
        # Never give up within the test; wait at most 2 s, so the return is seen soon.
        delivery={
            "base_delay_s": 0.2,
            "max_delay_s": 2.0,
            "max_attempts": 10_000,
            "request_timeout_s": 2.0,
        },
        webhooks=[{"name": "outage", "url": server.url("/hook"), "secret_env": "S"}],
    )
    alerts, dead = settings["alerts_topic"], settings["dead_letter_topic"]
    config = write_config(tmp_path / "sinks.yaml", settings)
    sink = SinkProcess(config, tmp_path / "sink.log", env={"S": SECRET.decode()})
    sink.start()
    feed = IncidentFeed(kafka_bootstrap, alerts, interval_s=0.2)
    try:
        sink.wait_until_reading()
        with feed:
            # Deliveries flowing: kill -9 in their midst, start again.
            wait_for(lambda: len(receiver.taken()) >= 15, 60, "the first deliveries")
            sink.kill()
            sink.start()
            sink.wait_until_reading()
            taken_before = len(receiver.taken())
            wait_for(lambda: len(receiver.taken()) >= taken_before + 10, 60, "deliveries again")

            # The receiver goes down for a minute; incidents keep coming.
            server.stop()
            down_at = len(receiver.taken())
            deadline = time.monotonic() + OUTAGE_S
            while time.monotonic() < deadline:
                assert sink.alive(), sink.log_tail()
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            produced_during_outage = len(feed.produced())
            assert len(receiver.taken()) == down_at  # nothing got through while it was down
            server.start()  # the same port

            wait_for(lambda: len(receiver.taken()) > down_at, 30, "deliveries after the return")
        produced = feed.produced()  # the feed stopped: this is everything
        keys = {event.idempotency_key for event in produced}
        wait_for(lambda: set(receiver.taken()) >= keys, 120, "every incident version")
        retried = scrape(
            metrics_port, "dexwatch_alerts_retried_total", sink="outage", reason="unreachable"
        )
    finally:
        exit_code = sink.stop()
        server.stop()
    assert exit_code == 0, sink.log_tail()

    taken = receiver.taken()
    assert set(taken) == keys  # every version arrived, nothing else did
    assert produced_during_outage > down_at  # incidents did keep coming
    assert retried is not None
    assert retried > 0
    content_keys: dict[bytes, set[str]] = defaultdict(set)
    for key, bodies in taken.items():
        for body in bodies:
            assert decode(IncidentEvent, body).idempotency_key == key
            content_keys[body].add(key)
        # Sent again (a retry after the kill) is allowed, but only as the very same alert.
        assert len(set(bodies)) == 1, f"{key} arrived with different contents"
    assert all(len(keys_of) == 1 for keys_of in content_keys.values())  # never under two keys
    first_seen: dict[str, list[int]] = defaultdict(list)
    for key in receiver.keys_in_order():
        incident_id, version = key.rsplit(":", 1)
        first_seen[incident_id].append(int(version))
    assert all(versions == sorted(versions) for versions in first_seen.values())  # in order
    assert consume(kafka_bootstrap, dead, 1, 3) == []  # nothing was dead-lettered
    assert sink.log().count("sink outage (webhook, group") == 2
