"""Against the real broker: a Slack-like server that rate-limits, fails and dawdles still gets
every incident version once, in order per incident."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.sinks.conftest import RunningSlack
from tests.sinks.incidents import incident_versions, records
from tests.sinks.running_sinks import RunningSinks
from tests.sinks.sink_configs import fresh_config
from tests.support.kafka_helpers import produce, wait_for

pytestmark = pytest.mark.kafka

_IDENTITY = re.compile(r"incident `([^`]+)` v(\d+)")


def identity(message: dict[str, Any]) -> tuple[str, int]:
    """The incident id and version a message is about (from its context line)."""
    context = next(block for block in message["blocks"] if block["type"] == "context")
    found = _IDENTITY.search(context["elements"][0]["text"])
    assert found is not None, context
    return found[1], int(found[2])


def test_every_incident_reaches_slack_once_in_order_per_incident(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path, slack: RunningSlack
) -> None:
    incidents = [incident_versions(number, 3) for number in range(12)]
    # The worker's order: every incident opens, then they are updated, then resolved.
    events = [versions[step] for step in range(3) for versions in incidents]
    config = fresh_config(
        kafka_bootstrap,
        unique_name,
        tmp_path,
        slack=[slack.sink_config()],
    )
    answers = slack.server.answers
    answers.answer_next("rate_limited", 2, retry_after="1")
    answers.answer_next("server_error", 3)
    answers.answer_next("slow", 2, delay_s=1.0)
    answers.answer_next("ok", 5)
    answers.answer_next("server_error", 1)
    produce(kafka_bootstrap, config.alerts_topic, records(events))

    with RunningSinks(config) as running:
        wait_for(lambda: len(slack.server.messages()) >= len(events), 60, "every message")
        wait_for(
            lambda: running.sample("dexwatch_alerts_delivered_total", sink="ops") == len(events),
            10,
            "the delivered count",
        )
        retried = {
            reason: running.sample("dexwatch_alerts_retried_total", sink="ops", reason=reason)
            for reason in ("rate_limited", "server_error", "timeout", "unreachable")
        }
        delivered_latency_count = running.sample(
            "dexwatch_alert_delivery_seconds_count", sink="ops"
        )
        dead = sum(
            running.sample("dexwatch_alerts_dead_lettered_total", sink="ops", reason=reason)
            for reason in ("revoked", "rejected", "invalid_payload", "retries_exhausted")
        )

    seen = [identity(message) for message in slack.server.messages()]
    assert Counter(seen) == Counter((e.incident_id, e.version) for e in events)  # each once
    for versions in incidents:
        mine = [version for incident_id, version in seen if incident_id == versions[0].incident_id]
        assert mine == [1, 2, 3]
    assert retried == {"rate_limited": 2, "server_error": 4, "timeout": 0, "unreachable": 0}
    assert delivered_latency_count == len(events)
    assert dead == 0
    answered = slack.server.answered
    assert answered.count("slow") == 2
    assert answered.count("ok") + 2 == len(events)
    heads = [message["blocks"][0]["text"]["text"] for message in slack.server.messages()]
    assert sum("RESOLVED" in head for head in heads) == 12
    assert sum("UPDATED v2" in head for head in heads) == 12
