"""Refused events are logged as summaries per dataset, never a line each, and all counted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dexwatch.schemas import DeadLetterRecord, MetricEvent, decode, encode
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord
from dexwatch.streams.intake.refusal_log import RefusalLog
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings
from tests.support.kafka_helpers import consume, create_topic, produce, wait_for
from tests.support.worker_process import WorkerProcess

START = datetime(2026, 3, 2, tzinfo=UTC)
BURST = 5000
MAX_SERIES = 3


def _event(pool: int) -> bytes:
    """An event of a series of its own (one per pool)."""
    return encode(
        MetricEvent(
            event_time=START + timedelta(seconds=pool),
            source="attack",
            dimensions={"pool": f"0x{pool:040x}"},
            measures={"volume": 1.0},
        )
    )


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_refused_events_logs_a_bounded_number_of_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = MetricEventHandler(WorkerSettings(max_series=MAX_SERIES), WorkerMetrics())
    clock = _Clock()
    handler.refusals = RefusalLog("dexwatch.dead-letter", clock=clock)
    caplog.set_level(logging.INFO)
    refused = 0
    for batch in range(5):  # 5 batches of 1000 over 40 s: the attack
        clock.now = batch * 10.0
        records = [
            ConsumedRecord("dexwatch.metrics", 0, n, b"k", _event(n))
            for n in range(batch * 1000, (batch + 1) * 1000)
        ]
        outputs = handler.handle_batch(records)
        refused += sum(output.dead_letter_reason == "series_limit" for output in outputs)
    assert refused == BURST - MAX_SERIES  # every refused event is dead-lettered
    assert handler.metrics.registry.get_sample_value("dexwatch_events_consumed_total") == BURST
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines  # the guard's own line, and the first refusal at once
    assert lines[1] == (
        "refused 1 event(s) of dataset default (summaries follow at most every 60 s): "
        "series_limit 1 (limit 3; raise max_series if these series are expected, or narrow "
        "the dataset's filter or dimensions); each is in dexwatch.dead-letter with its reason"
    )
    caplog.clear()
    clock.now = 61.0
    handler.handle_batch([ConsumedRecord("dexwatch.metrics", 0, BURST, b"k", _event(BURST))])
    [summary] = [record.getMessage() for record in caplog.records]
    assert summary.startswith(
        f"refused {BURST - MAX_SERIES:,} event(s) of dataset default in the last 61 s: "
        f"series_limit {BURST - MAX_SERIES:,} (limit 3; "
    )


def test_each_dataset_and_reason_is_summed_and_a_quiet_log_says_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = WorkerSettings()
    [dataset] = settings.dataset_configs()
    clock = _Clock()
    refusals = RefusalLog("dl", every_s=60.0, clock=clock)
    caplog.set_level(logging.INFO)
    refusals.note(dataset, "late")  # logged at once
    for _ in range(7):
        refusals.note(dataset, "late")
    for _ in range(3):
        refusals.note(dataset, "time_out_of_range")
    clock.now = 59.0
    refusals.report()
    assert len(caplog.records) == 1
    clock.now = 60.0
    refusals.report()
    assert (
        caplog.records[-1]
        .getMessage()
        .startswith(
            "refused 10 event(s) of dataset default in the last 60 s: late 7 (after their interval "
            "closed; raise allowed_lateness if producers are this late); time_out_of_range 3 ("
        )
    )
    clock.now = 500.0
    refusals.report()
    assert len(caplog.records) == 2  # nothing new: nothing said


@pytest.mark.kafka
def test_a_cardinality_attack_on_the_worker_logs_a_few_lines_and_counts_every_event(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topics = {kind: unique_name(kind) for kind in ("metrics", "anomalies", "dead_letter")}
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic)
    worker = WorkerProcess(
        kafka_bootstrap,
        unique_name("app"),
        topics,
        tmp_path / "worker",
        {"DEXWATCH_MAX_SERIES": str(MAX_SERIES)},
    )
    try:
        worker.wait_until_serving()
        produce(kafka_bootstrap, topics["metrics"], [(b"k", _event(n)) for n in range(BURST)])
        refused = BURST - MAX_SERIES
        wait_for(
            lambda: (
                worker.metric("dexwatch_events_dead_lettered_total", reason="series_limit")
                == refused
            ),
            90,
            f"{refused} series_limit dead letters counted",
        )
        dead = consume(kafka_bootstrap, topics["dead_letter"], refused + 1, timeout_s=30)
        assert len(dead) == refused
        assert {decode(DeadLetterRecord, m.value() or b"").reason_kind for m in dead} == {
            "series_limit"
        }
        assert max(len(m.value() or b"") for m in dead) < 2048  # an event's worth each
        log = worker.log_path.read_text(errors="replace")
        about_refusals = [line for line in log.splitlines() if "series_limit" in line]
        assert 1 <= len(about_refusals) <= 4, about_refusals  # not one per event
        assert worker.process.poll() is None, worker.log_tail()
    finally:
        worker.stop()
