"""Rules a dataset names per measure run in the worker: `threshold` on price, `iqr` on volume.

Three pools: one whose price leaves its band once (the threshold's case), one whose volume
bursts once (the IQR's case), and a quiet one. The model is kept warming up throughout
(`warmup: 1000`), so every anomaly here is a rule's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from dexwatch.schemas import AnomalyEvent, MetricEvent, decode, encode
from dexwatch.streams.intake.metric_event_handler import MetricEventHandler
from dexwatch.streams.intake.records import ConsumedRecord
from dexwatch.streams.metrics import WorkerMetrics
from dexwatch.streams.settings import WorkerSettings
from tests.support.kafka_helpers import consume_until, create_topic, produce, wait_for
from tests.support.worker_process import WorkerProcess

START = datetime(2026, 3, 2, tzinfo=UTC)
POINTS, CASE_AT = 120, 100
PARTITIONS = 4
_DATASETS = """
datasets:
  - name: pegged-pools
    source: {{topic: {topic}}}
    dimensions: [pool]
    measures:
      - {{name: price, aggregation: last, rules: [{{threshold: {{lower: 0.99, upper: 1.01}}}}]}}
      - {{name: volume, aggregation: last, rules: [{{iqr: {{window: 100, k: 3}}}}]}}
    interval: none
    detector: {{warmup: 1000}}
"""


def _datasets(tmp_path: Path, topic: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(_DATASETS.format(topic=topic))
    return path


def _records(topic: str) -> list[ConsumedRecord]:
    rng = np.random.default_rng(7)
    records: list[ConsumedRecord] = []
    for step in range(POINTS):
        for pool in ("depeg", "burst", "quiet"):
            price = 1.0 + 0.001 * float(rng.normal())
            volume = 50.0 * (1.0 + 0.05 * float(rng.normal()))
            if step == CASE_AT and pool == "depeg":
                price = 0.985
            if step == CASE_AT and pool == "burst":
                volume = 500.0
            event = MetricEvent(
                event_time=START + timedelta(minutes=step),
                source="test",
                dimensions={"pool": pool},
                measures={"price": price, "volume": volume},
            )
            records.append(ConsumedRecord(topic, 0, len(records), pool.encode(), encode(event)))
    return records


def _check(anomalies: list[AnomalyEvent]) -> None:
    """Each rule fired on its case, named in the explanation and the measure; nothing else."""
    by_series = {anomaly.series: anomaly for anomaly in anomalies}
    assert sorted(by_series) == ["pool=burst", "pool=depeg"], [a.explanation for a in anomalies]
    assert len(anomalies) == 2
    depeg, burst = by_series["pool=depeg"], by_series["pool=burst"]
    assert depeg.interval_start == burst.interval_start == START + timedelta(minutes=CASE_AT)
    assert depeg.explanation == "price 0.985 below 0.99..1.01 (threshold)"
    [moved] = depeg.measures
    assert (moved.measure, moved.rule, moved.value) == ("price", "threshold", 0.985)
    assert (moved.expected_low, moved.expected_high) == (0.99, 1.01)
    assert moved.deviation < 0  # below the band
    assert burst.explanation.startswith("volume 500 above ")
    assert burst.explanation.endswith(" (iqr)")
    [moved] = burst.measures
    assert (moved.measure, moved.rule) == ("volume", "iqr")
    assert moved.expected_high < 500.0
    # Severity on the rules' scale: the price sits a quarter of the band's width below it.
    assert depeg.severity == round(100 * 0.005 / (0.005 + 0.02))
    assert burst.severity > 90  # nine times the fences' distance from the quartiles


def test_each_rule_fires_on_its_case_in_the_handler(tmp_path: Path) -> None:
    """The same, through the worker's handler alone (no broker): quick to diagnose."""
    topic = "rules.in"
    metrics = WorkerMetrics(CollectorRegistry())
    handler = MetricEventHandler(WorkerSettings(datasets=_datasets(tmp_path, topic)), metrics)
    outputs = handler.handle_batch(_records(topic))
    _check(
        [
            decode(AnomalyEvent, output.value)
            for output in outputs
            if output.topic == handler.settings.topics.anomalies
        ]
    )


@pytest.mark.kafka
def test_threshold_and_iqr_fire_in_the_worker_and_a_quiet_series_does_not(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    topics = {kind: unique_name(kind) for kind in ("anomalies", "dead_letter", "model_actions")}
    source = unique_name("rules-in")
    for topic in topics.values():
        create_topic(kafka_bootstrap, topic)
    create_topic(kafka_bootstrap, source, partitions=PARTITIONS)
    worker = WorkerProcess(
        kafka_bootstrap,
        unique_name("app"),
        topics,
        tmp_path / "worker",
        {"DEXWATCH_DATASETS": str(_datasets(tmp_path, source))},
    )
    try:
        worker.wait_until_serving()
        records = _records(source)
        produce(kafka_bootstrap, source, [(record.key, record.value) for record in records])
        # Every record scored: the anomalies built on the way are all counted (in the same
        # handler call), so the quiet series had its chance to fire.
        wait_for(
            lambda: worker.metric("dexwatch_events_scored_total") >= len(records),
            120,
            f"the worker to score all {len(records)} events",
        )
        produced = int(worker.metric("dexwatch_anomalies_produced_total"))
        messages = consume_until(
            kafka_bootstrap, topics["anomalies"], lambda found: len(found) >= produced, 60
        )
        _check([decode(AnomalyEvent, message.value() or b"") for message in messages])
        assert worker.process.poll() is None, worker.log_tail()
    finally:
        worker.stop()
