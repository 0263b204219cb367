"""A stablecoin depeg shaped like USDC's SVB depeg (15-minute prices, a flat peg, two days at
about 0.90, then back), through a real worker on the real broker: one incident, opened at the
first anomaly, open for the whole departure although the repeat guard holds back further
anomalies, and resolved `resolve_after` after the price is back inside its band."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import Message

from dexwatch.schemas import AnomalyEvent, IncidentEvent, MetricEvent, decode, encode
from dexwatch.streams.incidents.band_status import BandStatus, BandStatuses
from dexwatch.streams.incidents.inputs import Tick, incident_inputs_topic, input_kind
from tests.streams.incidents.depeg_series import (
    CALM,
    ONSET,
    OUT,
    RETURN,
    START,
    STEP,
    depeg_prices,
)
from tests.streams.incidents.worker_alerts import incidents_on, start_worker
from tests.support.kafka_helpers import ProducedRecord, consume_until, produce_records

pytestmark = pytest.mark.kafka

RESOLVE_AFTER = timedelta(hours=2)
HEARTBEAT = RESOLVE_AFTER / 2  # "still out", at most this often
DATASETS = """
datasets:
  - name: stable-pools
    source: {{topic: {source}}}
    dimensions: [pair]
    measures:
      - {{name: price, aggregation: last}}
    interval: 15m
    alerting: {{group_wait: 1s, resolve_after: 2h}}
"""


def _records(prices: list[float], first: int) -> list[ProducedRecord]:
    return [
        ProducedRecord(
            b"USDC-USDT",
            encode(
                MetricEvent(
                    event_time=START + (first + index) * STEP,
                    source="test",
                    dimensions={"pair": "USDC-USDT"},
                    measures={"price": price},
                )
            ),
            partition=0,
        )
        for index, price in enumerate(prices)
    ]


def _kind(message: Message) -> str | None:
    """The incident input kind of a record of the inputs topic."""
    raw = message.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    return input_kind([(name, value) for name, value in pairs if isinstance(value, bytes)])


def _statuses(messages: list[Message]) -> list[BandStatus]:
    return [
        status
        for message in messages
        if _kind(message) == "status"
        for status in decode(BandStatuses, message.value() or b"").statuses
    ]


def _caught_up(moment: datetime) -> Callable[[list[Message]], bool]:
    """Whether the incidents agent's inputs hold a tick of the worker's watermark at `moment`
    and the last heartbeat due before it (a status and a tick travel apart)."""

    def reached(messages: list[Message]) -> bool:
        ticks = [
            decode(Tick, message.value() or b"").watermark
            for message in messages
            if _kind(message) == "tick"
        ]
        heard = [status.interval_end for status in _statuses(messages)]
        return any(tick is not None and tick >= moment for tick in ticks) and any(
            end > moment - HEARTBEAT for end in heard
        )

    return reached


def test_a_depeg_is_one_incident_open_until_the_price_is_back_in_its_band(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    prices = depeg_prices()
    worker, source = start_worker(kafka_bootstrap, unique_name, tmp_path, DATASETS)
    inputs = incident_inputs_topic(worker.app_id)
    try:
        # The peg and the whole departure first: the worker's clock runs two days past the
        # first anomaly, the repeat guard holding back the anomalies of a departure that goes on.
        departure = CALM + OUT
        produce_records(kafka_bootstrap, source, _records(prices[:departure], 0))
        opened = incidents_on(kafka_bootstrap, worker.topics["alerts"], bool, 60)
        assert opened, f"no incident opened:\n{worker.log_tail()}"
        last_out = START + (departure - 2) * STEP  # the watermark once the departure is read
        seen = consume_until(kafka_bootstrap, inputs, _caught_up(last_out), 60)
        assert _caught_up(last_out)(seen), "the worker's clock did not reach the end"
        statuses = _statuses(seen)
        # Still out, every hour (half of resolve_after) of the departure, never back inside.
        assert statuses, "no band status while the price was out"
        assert all(status.out == ("price",) for status in statuses)
        assert all(ONSET < status.interval_start < RETURN for status in statuses)
        gaps = [b.interval_end - a.interval_end for a, b in itertools.pairwise(statuses)]
        assert all(gap == HEARTBEAT for gap in gaps), gaps

        produce_records(kafka_bootstrap, source, _records(prices[departure:], departure))

        def resolved(versions: list[IncidentEvent]) -> bool:
            return any(version.status == "resolved" for version in versions)

        versions = incidents_on(kafka_bootstrap, worker.topics["alerts"], resolved, 90)
        assert resolved(versions), f"the incident never resolved:\n{worker.log_tail()}"
        anomalies = [
            decode(AnomalyEvent, message.value() or b"")
            for message in consume_until(kafka_bootstrap, worker.topics["anomalies"], bool, 30)
        ]
        first_anomaly = min(anomaly.interval_start for anomaly in anomalies)
        assert ONSET <= first_anomaly <= ONSET + timedelta(hours=2)

        assert len({version.incident_id for version in versions}) == 1, "one incident"
        first, *middle, last = versions
        assert (first.version, first.status) == (1, "open")
        assert first.first_interval_start == first_anomaly, "opened at the first anomaly"
        assert all(version.status == "updated" for version in middle)
        # Resolved only once, `resolve_after` after the price came back inside its band.
        assert (last.status, last.version) == ("resolved", len(versions))
        assert last.resolved_at == RETURN + RESOLVE_AFTER
        assert worker.metric("dexwatch_incidents_open", dataset="stable-pools") == 0
    finally:
        worker.stop()
