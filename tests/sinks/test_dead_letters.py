"""Against the real broker: what a sink gives up on goes to the sink dead-letter topic with the
reason, the log says what happened and what to do, and the next alerts still go out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from dexwatch.schemas.codec import decode
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.sink_dead_letter import SinkDeadLetterRecord
from dexwatch.sinks.delivery_policy import DeliveryPolicy
from tests.sinks.conftest import RunningSlack
from tests.sinks.incidents import incident, records
from tests.sinks.running_sinks import RunningSinks
from tests.sinks.sink_configs import fresh_config
from tests.support.kafka_helpers import consume, produce, wait_for

pytestmark = pytest.mark.kafka


def test_refused_exhausted_and_unreadable_alerts_are_dead_lettered(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    slack: RunningSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    revoked, exhausted, fine = incident(1), incident(2), incident(3)
    config = fresh_config(
        kafka_bootstrap,
        unique_name,
        tmp_path,
        partitions=1,  # one partition: the script meets the alerts in this order
        delivery=DeliveryPolicy(base_delay_s=0.01, max_delay_s=0.05, max_attempts=3),
        slack=[slack.sink_config()],
    )
    slack.server.answers.answer_next("revoked")
    slack.server.answers.answer_next("server_error", 3)
    produce(
        kafka_bootstrap,
        config.alerts_topic,
        [*records([revoked, exhausted]), (b"k", b'{"not": "an incident"}'), *records([fine])],
    )

    with caplog.at_level(logging.INFO, logger="dexwatch.sinks"), RunningSinks(config) as running:
        wait_for(lambda: slack.server.messages(), 60, "the one deliverable alert")
        letters = [
            decode(SinkDeadLetterRecord, message.value() or b"")
            for message in consume(kafka_bootstrap, config.dead_letter_topic, 3, 30)
        ]
        dead = {
            reason: running.sample("dexwatch_alerts_dead_lettered_total", sink="ops", reason=reason)
            for reason in ("revoked", "retries_exhausted", "invalid_record")
        }

    assert [letter.reason_kind for letter in letters] == [
        "revoked",
        "retries_exhausted",
        "invalid_record",
    ]
    by_reason = {letter.reason_kind: letter for letter in letters}
    gone = by_reason["revoked"]
    assert (gone.sink, gone.sink_kind, gone.idempotency_key) == (
        "ops",
        "slack",
        revoked.idempotency_key,
    )
    assert (gone.topic, gone.partition, gone.offset, gone.attempts, gone.last_status) == (
        config.alerts_topic,
        0,
        0,
        1,
        404,
    )
    assert decode(IncidentEvent, gone.original) == revoked
    assert gone.reason.startswith("Slack answered 404 no_service: the webhook URL was revoked")
    tired = by_reason["retries_exhausted"]
    assert (tired.incident_id, tired.attempts, tired.last_status) == (exhausted.incident_id, 3, 500)
    assert tired.reason == (
        "gave up after 3 attempt(s); the last: Slack (127.0.0.1) answered 500 rollup_error"
    )
    unreadable = by_reason["invalid_record"]
    assert (unreadable.incident_id, unreadable.attempts, unreadable.offset) == (None, 0, 2)
    assert dead == {"revoked": 1, "retries_exhausted": 1, "invalid_record": 1}
    assert [message["text"] for message in slack.server.messages()] == [
        f"NEW: sev 88 · {fine.title}"
    ]

    logged = caplog.text
    assert (
        f"sink ops: Slack answered 404 no_service: the webhook URL was revoked, or its app or "
        f"channel removed; make a new incoming webhook and update the sink's webhook URL (env or "
        f"file); alert {revoked.idempotency_key} dead-lettered to {config.dead_letter_topic}"
    ) in logged
    assert "attempt 1 of 3 for" in logged
    assert slack.server.path not in logged  # the webhook URL's secret path is never logged
    assert "XXXXXXXXXXXXXXXXXXXXXXXX" not in logged
