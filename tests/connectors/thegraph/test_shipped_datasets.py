"""Every shipped dataset finds what it names in the connector's events (the local server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.streams.datasets import DatasetConfig, EventSelector, Observation, load_datasets
from tests.connectors.thegraph.conftest import V2_ID, V3_ID, Harness

SHIPPED = Path(__file__).resolve().parents[3] / "deploy" / "datasets"
# generic takes every event as it comes (measures '*'): nothing to check.
CONNECTOR_DATASETS = ("uniswap-v3-pools-hourly", "stablecoin-pegs", "swaps-per-pool-per-minute")


def _shipped(name: str) -> DatasetConfig:
    [dataset] = [d for d in load_datasets(SHIPPED) if d.name == name]
    return dataset


def _observations(harness: Harness, dataset: DatasetConfig) -> list[Observation]:
    kinds = ("transaction",) if dataset.source.format == "dex_transaction" else ("pool_hour",)
    selector = EventSelector(dataset)
    found = []
    for kind in kinds:
        for event in harness.sink.of(kind):
            selected = selector.select(event)
            assert not isinstance(selected, Exception), selected
            if selected is not None:
                assert isinstance(selected, Observation), selected
                found.append(selected)
    return found


@pytest.mark.parametrize("name", CONNECTOR_DATASETS)
def test_the_connectors_events_carry_every_measure_the_dataset_names(
    harness: Harness, name: str
) -> None:
    harness.poll(harness.settings(V3_ID), cycles=2)
    dataset = _shipped(name)
    assert not isinstance(dataset.measures, str)
    declared = {spec.name for spec in dataset.measures}
    observations = _observations(harness, dataset)
    assert observations, f"{name} selected none of the connector's events"
    if dataset.source.format == "metric_event":
        # Every hourly point feeds every measure: none is carried forward or missing.
        for observation in observations:
            assert set(observation.values) == declared, observation
    else:  # a transaction feeds the measures of its kind; together they feed them all
        assert set().union(*(o.values for o in observations)) == declared


def test_stable_pairs_are_marked_and_trade_near_their_peg(harness: Harness) -> None:
    harness.poll(harness.settings(V2_ID))
    pegs = _observations(harness, _shipped("stablecoin-pegs"))
    pairs = {o.dimensions["pair"] for o in pegs}
    assert pairs
    assert all(set(pair.split("-")) <= {"USDC", "USDT", "DAI"} for pair in pairs)
    assert all(abs(float(o.values["price"]) - 1) < 0.005 for o in pegs)
    others = [e for e in harness.sink.of("pool_hour") if "stable_pair" not in e.dimensions]
    assert others
    assert not any(set(e.dimensions["pair"].split("-")) <= {"USDC", "USDT", "DAI"} for e in others)
