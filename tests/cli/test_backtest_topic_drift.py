"""`dexwatch backtest --topic` over an hourly dataset with drift on (the default for interval
datasets): drift's model actions are tallied, not read as dead letters, and every hour of
every series comes out as a row (real broker)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from dexwatch.cli.main import main
from dexwatch.schemas.codec import encode
from dexwatch.schemas.metric_event import MetricEvent
from tests.support.kafka_helpers import create_topic, produce

START = datetime(2026, 3, 2, tzinfo=UTC)
BEFORE, AFTER = 300, 250  # hours before and after the shift
POOLS = ("p1", "p2")
_DATASETS = """
datasets:
  - name: pools-hourly
    source: {{topic: {topic}}}
    dimensions: [pool]
    measures: [{{name: tvl, aggregation: last}}, {{name: volume, aggregation: sum}}]
    interval: 1h
    detector: {{warmup: 50}}
    drift: {{retrain_points: 50, hold_after_anomaly: 1h}}
"""


def _events() -> list[tuple[bytes, bytes]]:
    """Hourly points of two pools, interleaved in time; volume shifts up by 40 sd at BEFORE
    (what `tests/streams/test_drift_in_the_worker.py` shows makes drift retrain)."""
    rng = np.random.default_rng(5)
    records = []
    for hour in range(BEFORE + AFTER):
        shift = 2.0 if hour >= BEFORE else 0.0
        for pool in POOLS:
            event = MetricEvent(
                event_time=START + timedelta(hours=hour, minutes=10),
                source="test",
                dimensions={"pool": pool},
                measures={
                    "tvl": 1000.0 * (1 + 0.01 * rng.normal()),
                    "volume": 50.0 * (1 + 0.05 * rng.normal() + shift),
                },
            )
            records.append((pool.encode(), encode(event)))
    return records


@pytest.mark.kafka
def test_a_drifting_hourly_dataset_backtests_from_its_topic(
    kafka_bootstrap: str,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic = create_topic(kafka_bootstrap, unique_name("hourly-drift"), partitions=2)
    produce(kafka_bootstrap, topic, _events())
    datasets = tmp_path / "datasets.yaml"
    datasets.write_text(_DATASETS.format(topic=topic))
    output = tmp_path / "rows.csv"
    argv = ["backtest", "--topic", topic, "--bootstrap-servers", kafka_bootstrap]
    assert main([*argv, "--datasets", str(datasets), "--output", str(output)]) == 0
    printed = capsys.readouterr().out

    total = len(POOLS) * (BEFORE + AFTER)
    assert f"records: {total:,} read, {total:,} scored, 2 series" in printed
    assert "dead letters: no dead letters" in printed
    # Drift acted on both pools (a retrain each at least) and the replay went on.
    actions = next(line for line in printed.splitlines() if line.startswith("model actions:"))
    assert "retrain: " in actions, actions
    assert int(actions.split("retrain: ")[1].split(")")[0].split(",")[0]) >= len(POOLS)
    with output.open(newline="") as file:
        rows = list(csv.DictReader(file))
    # One row per pool and hour, the last hours included (the end of the topic closes them).
    assert Counter(row["series"] for row in rows) == {f"pool={p}": BEFORE + AFTER for p in POOLS}
    hours = sorted({row["timestamp"] for row in rows})
    assert len(hours) == BEFORE + AFTER
    assert hours[0] == "2026-03-02T00:00:00Z"
    assert hours[-1] == (START + timedelta(hours=BEFORE + AFTER - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
