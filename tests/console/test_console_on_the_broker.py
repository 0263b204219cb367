"""The console on the real broker: what the topics hold, the API shows; a snooze set through
the API holds the webhook sink's next version until it ends; feedback reaches the feedback
topic; a store deleted is rebuilt from the topics with the same answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from dexwatch.schemas.codec import decode, encode
from dexwatch.schemas.feedback import FeedbackEvent
from dexwatch.schemas.metric_event import MetricEvent
from dexwatch.sinks.config import SinksConfig, WebhookSinkConfig
from tests.console.events import anomaly, score
from tests.console.running_console import WRITE, RunningConsole, fresh_topics
from tests.http_servers import ServerThread, WebhookReceiver
from tests.sinks.incidents import incident, records
from tests.sinks.running_sinks import RunningSinks
from tests.sinks.sink_configs import QUICK_RETRIES
from tests.support.kafka_helpers import consume, create_topic, produce, wait_for

pytestmark = pytest.mark.kafka

SECRET = b"console-test-secret-0123456789"
SNOOZE_S = 6


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, ServerThread]]:
    taker = WebhookReceiver(SECRET)
    thread = ServerThread(taker.app)
    thread.start()
    try:
        yield taker, thread
    finally:
        thread.stop()


def test_a_snooze_holds_the_webhooks_next_version_until_it_ends_and_feedback_is_written(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    receiver: tuple[WebhookReceiver, ServerThread],
) -> None:
    taker, thread = receiver
    topics = fresh_topics(kafka_bootstrap, unique_name)
    config = SinksConfig(
        bootstrap_servers=kafka_bootstrap,
        alerts_topic=topics.alerts,
        incident_controls_topic=topics.incident_controls,
        dead_letter_topic=unique_name("sink-dead"),
        group_prefix=unique_name("sink") + "-",
        data_dir=tmp_path / "sinks",
        metrics_port=0,
        session_timeout_s=6.0,
        delivery=QUICK_RETRIES,
        webhooks=(
            WebhookSinkConfig(
                name="risk", url=thread.url("/hook"), secret=SecretStr(SECRET.decode())
            ),
        ),
    )
    first, second = incident(1, 1), incident(1, 2)
    produce(kafka_bootstrap, topics.alerts, records([first]))
    with (
        RunningConsole(kafka_bootstrap, topics, tmp_path / "console.sqlite3") as console,
        RunningSinks(config) as sinks,
    ):
        wait_for(lambda: first.idempotency_key in taker.taken(), 60, "version 1 delivered")
        path = f"/api/v1/incidents/{first.incident_id}"
        console.wait_for("the incident in the API", lambda: console.call("GET", path)[0] == 200)

        status, body = console.call(
            "POST", path + "/snooze", {"duration": f"{SNOOZE_S}s"}, token=WRITE
        )
        assert status == 200, body
        wait_for(
            lambda: sinks.sample("dexwatch_sinks_incidents_snoozed") == 1,
            30,
            "the sinks to read the snooze",
        )
        produce(kafka_bootstrap, topics.alerts, records([second]))
        wait_for(
            lambda: sinks.sample("dexwatch_alerts_snoozed_total", sink="risk") == 1,
            30,
            "version 2 held",
        )
        held_at = time.time()
        assert second.idempotency_key not in taker.taken()
        snoozed_until = console.get(path)["control"]["snoozed_until"]
        wait_for(lambda: second.idempotency_key in taker.taken(), 60, "version 2 after the snooze")
        sent_at = time.time()
        assert sent_at - held_at >= SNOOZE_S - 2, "sent before the snooze ended"
        assert snoozed_until is not None
        assert taker.keys_in_order() == [first.idempotency_key, second.idempotency_key]

        # The console shows both versions once it has read them back.
        console.wait_for(
            "version 2 in the console",
            lambda: len(console.get(path)["versions"]) == 2,
        )
        status, body = console.call(
            "POST", path + "/feedback", {"verdict": "relevant", "note": "real"}, token=WRITE
        )
        assert status == 202, body
        [message] = consume(kafka_bootstrap, topics.feedback, 1, 30)
        written = decode(FeedbackEvent, message.value() or b"")
        assert written.feedback_id == body["feedback"]["feedback_id"]
        assert (written.incident_id, written.verdict) == (first.incident_id, "relevant")
        assert message.key() == first.dataset.encode()
        console.wait_for("the feedback in the incident", lambda: console.get(path)["feedback"])

        status, body = console.call("POST", path + "/acknowledge", {}, token=None)
        assert status == 401
        assert body["error"] == "unauthorized"
        status, body = console.call("POST", path + "/acknowledge", {}, token="wrong-token-000")
        assert status == 403
        assert body["error"] == "forbidden"


def _answers(console: RunningConsole, incident_id: str) -> dict[str, object]:
    series = {"dataset": "pools", "series": "chain=ethereum,pool=0x0001"}
    return {
        "anomalies": console.get("/api/v1/anomalies", limit=1000),
        "severe": console.get("/api/v1/anomalies", min_severity=90, **{"dim.pool": "0x0002"}),
        "incidents": console.get("/api/v1/incidents"),
        "incident": console.get(f"/api/v1/incidents/{incident_id}"),
        "points": console.get("/api/v1/series/points", **series),
        "datasets": console.get("/api/v1/datasets"),
        "series": console.get("/api/v1/series", dataset="pools"),
    }


def test_a_deleted_store_is_rebuilt_from_the_topics_with_the_same_answers(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topics = fresh_topics(kafka_bootstrap, unique_name)
    anomalies = [
        anomaly(pool, hour, severity=80 + pool * 5) for pool in range(4) for hour in range(6)
    ]
    produce(kafka_bootstrap, topics.anomalies, [(a.series.encode(), encode(a)) for a in anomalies])
    points = [score(pool, hour) for pool in range(4) for hour in range(48)]
    produce(kafka_bootstrap, topics.scores, [(p.series.encode(), encode(p)) for p in points])
    versions = [incident(1, 1), incident(1, 2), incident(2, 1), incident(1, 3, status="resolved")]
    produce(kafka_bootstrap, topics.alerts, records(versions))
    produce(kafka_bootstrap, topics.anomalies, [(b"bad", b"not an anomaly")])
    store = tmp_path / "console.sqlite3"
    incident_id = versions[0].incident_id
    with RunningConsole(kafka_bootstrap, topics, store) as console:
        console.wait_for("the console to catch up", lambda: console.caught_up)
        status, body = console.call(
            "POST", f"/api/v1/incidents/{incident_id}/acknowledge", {"note": "seen"}, token=WRITE
        )
        assert status == 200, body
        console.wait_for(
            "the acknowledgement read back",
            lambda: console.get(f"/api/v1/incidents/{incident_id}")["control"],
        )
        before = _answers(console, incident_id)
        refused = console.service.metrics.records_refused.labels(topic=topics.anomalies)
        assert refused._value.get() == 1
    assert len(before["anomalies"]["items"]) == 24  # type: ignore[index]
    assert len(before["points"]["points"]) == 48  # type: ignore[index]
    assert [v["version"] for v in before["incident"]["versions"]] == [1, 2, 3]  # type: ignore[index]

    for suffix in ("", "-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    with RunningConsole(kafka_bootstrap, topics, store) as again:
        again.wait_for("the rebuilt console to catch up", lambda: again.caught_up)
        assert _answers(again, incident_id) == before


def test_a_backtest_of_a_topic_range_runs_the_worker_replay(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topics = fresh_topics(kafka_bootstrap, unique_name)
    source = create_topic(kafka_bootstrap, unique_name("metrics"), 1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = [
        MetricEvent(
            event_time=start + timedelta(minutes=minute),
            source="test",
            dimensions={"pool": "p1"},
            measures={"value": 100.0 + minute % 7 + (5000.0 if minute == 500 else 0.0)},
        )
        for minute in range(600)
    ]
    produce(kafka_bootstrap, source, [(b"pool=p1", encode(e)) for e in events])
    with RunningConsole(kafka_bootstrap, topics, tmp_path / "console.sqlite3") as console:
        status, job = console.call(
            "POST", "/api/v1/backtests/topic", {"topic": source, "from_offset": 0}, token=WRITE
        )
        assert status == 202, job

        def finished() -> dict[str, object] | None:
            found: dict[str, object] = console.get(f"/api/v1/backtests/{job['id']}")
            return found if found["state"] in ("done", "failed") else None

        done = console.wait_for("the topic backtest", finished, 180)
    assert done["state"] == "done", done
    assert done["rows_scored"] == 600
    spikes = [a for a in done["anomalies"] if a["time"].startswith("2026-01-01T08:20")]
    assert spikes, done["anomalies"]
