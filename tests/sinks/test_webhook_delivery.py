"""Against the real broker, `dexwatch sink --config` as a process: two webhooks, each with its
own filter and secret, each receiver verifying every signature, get exactly their incidents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from dexwatch.schemas.codec import decode
from dexwatch.schemas.incident import IncidentEvent
from tests.http_servers import ServerThread, WebhookReceiver
from tests.sinks.incidents import incident_versions, records
from tests.sinks.sink_configs import fresh_settings, write_config
from tests.sinks.sink_process import SinkProcess, scrape
from tests.support.kafka_helpers import free_port, produce, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

RISK_SECRET = b"risk-secret-0123456789"
ARCHIVE_SECRET = b"archive-secret-0123456789"


@pytest.fixture
def receivers() -> Iterator[dict[str, tuple[WebhookReceiver, ServerThread]]]:
    running = {}
    for name, secret in (("risk", RISK_SECRET), ("archive", ARCHIVE_SECRET)):
        receiver = WebhookReceiver(secret)
        thread = ServerThread(receiver.app)
        thread.start()
        running[name] = (receiver, thread)
    yield running
    for _receiver, thread in running.values():
        thread.stop()


def took_all(receiver: WebhookReceiver, keys: set[str]) -> bool:
    return set(receiver.taken()) >= keys


def filtered_all(metrics_port: int, sink: str, count: int) -> bool:
    return scrape(metrics_port, "dexwatch_alerts_filtered_total", sink=sink) == count


def test_each_webhook_gets_its_incidents_signed_and_verified(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    receivers: dict[str, tuple[WebhookReceiver, ServerThread]],
) -> None:
    (tmp_path / "risk-secret").write_bytes(RISK_SECRET + b"\n")
    metrics_port = free_port()
    settings = fresh_settings(
        kafka_bootstrap,
        unique_name,
        tmp_path / "data",
        partitions=4,
        metrics_port=metrics_port,
        webhooks=[
            {
                "name": "risk",
                "url": receivers["risk"][1].url("/hook"),
                "secret_file": str(tmp_path / "risk-secret"),
                "filter": {"min_severity": 50},
            },
            {
                "name": "archive",
                "url": receivers["archive"][1].url("/hook"),
                "secret_env": "DEXWATCH_TEST_ARCHIVE_SECRET",
                "filter": {
                    "datasets": ["dex-pools"],
                    "statuses": ["open", "resolved"],
                    "group": {"chain": "ethereum"},
                },
            },
        ],
    )
    config = write_config(tmp_path / "sinks.yaml", settings)
    events = [
        event
        for number in range(16)
        for event in incident_versions(
            number,
            3,
            severity=30 + 4 * number,
            dataset=("dex-pools", "tokens")[number % 2],
            chain=("ethereum", "ethereum", "arbitrum")[number % 3],
        )
    ]
    wanted = {
        "risk": {e.idempotency_key for e in events if e.severity >= 50},
        "archive": {
            e.idempotency_key
            for e in events
            if e.dataset == "dex-pools" and e.status != "updated" and e.group["chain"] == "ethereum"
        },
    }
    assert 0 < len(wanted["archive"]) < len(wanted["risk"]) < len(events)
    risk = receivers["risk"][0]
    risk.answers.answer_next("server_error")
    risk.answers.answer_next("rate_limited", retry_after="1")

    sink = SinkProcess(
        config,
        tmp_path / "sink.log",
        env={"DEXWATCH_TEST_ARCHIVE_SECRET": ARCHIVE_SECRET.decode()},
    )
    sink.start()
    try:
        sink.wait_until_reading(sinks=2)
        produce(kafka_bootstrap, settings["alerts_topic"], records(events))
        for name, (receiver, _thread) in receivers.items():
            wait_for(partial(took_all, receiver, wanted[name]), 60, f"every incident for {name}")
            left_out = len(events) - len(wanted[name])
            wait_for(
                partial(filtered_all, metrics_port, name, left_out),
                30,
                f"{name} to have read every alert",
            )
        delivered = {
            name: scrape(metrics_port, "dexwatch_alerts_delivered_total", sink=name)
            for name in receivers
        }
        retried = scrape(
            metrics_port, "dexwatch_alerts_retried_total", sink="risk", reason="rate_limited"
        )
    finally:
        assert sink.stop() == 0, sink.log_tail()

    for name, (receiver, _thread) in receivers.items():
        taken = receiver.taken()
        assert set(taken) == wanted[name]
        assert receiver.rejected == []
        for key, bodies in taken.items():
            assert len(bodies) == 1
            assert decode(IncidentEvent, bodies[0]).idempotency_key == key
    assert delivered == {name: len(keys) for name, keys in wanted.items()}
    assert retried == 1
    log = sink.log()
    assert ARCHIVE_SECRET.decode() not in log
    assert RISK_SECRET.decode() not in log
    assert "sink risk (webhook, group " in log
