"""From events to observations: filters, dimension projection, measure inputs, rejections."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dexwatch.schemas.dex_transaction import DexTransaction
from dexwatch.schemas.metric_event import MetricEvent
from dexwatch.streams.datasets import (
    DatasetConfig,
    EventSelector,
    Observation,
    Rejection,
    load_datasets,
)

SHIPPED = Path(__file__).resolve().parents[3] / "deploy" / "datasets"
TIME = datetime(2026, 1, 5, 12, 0, 11, tzinfo=UTC)
POOL = {
    "chain": "ethereum",
    "dex": "uniswap-v3",
    "pool": "0x88e6",
    "pair": "USDC-WETH",
    "feed": "hourly",
}


def shipped(name: str) -> DatasetConfig:
    (dataset,) = load_datasets(SHIPPED / f"{name}.yaml")
    return dataset


def metric(**changes: Any) -> MetricEvent:
    values: dict[str, Any] = {
        "event_time": TIME,
        "source": "simulator",
        "dimensions": POOL,
        "measures": {"tvl_usd": 1e8, "volume_usd": 2e6, "fees_usd": 600.0, "tx_count": 40.0},
    }
    return MetricEvent(**(values | changes))


def transaction(**changes: Any) -> DexTransaction:
    values: dict[str, Any] = {
        "event_id": "e1",
        "event_time": TIME,
        "source": "thegraph",
        "kind": "swap",
        "dimensions": POOL,
        "amount_usd": 1500.0,
        "sender": "0x1f9a",
        "transaction_hash": "0xabc",
        "block_number": 1,
        "upstream_id": "0xabc#1",
    }
    return DexTransaction(**(values | changes))


def test_an_hourly_pool_row_becomes_an_observation_of_its_pool_series() -> None:
    selected = EventSelector(shipped("uniswap-v3-pools-hourly")).select(metric())
    assert selected == Observation(
        series="chain=ethereum,dex=uniswap-v3,pool=0x88e6",
        dimensions={"chain": "ethereum", "dex": "uniswap-v3", "pool": "0x88e6"},
        event_time=TIME,
        values={"tvl_usd": 1e8, "volume_usd": 2e6, "fees_usd": 600.0, "tx_count": 40.0},
    )


def test_filter_leaves_other_events_alone_and_missing_dimensions_are_rejected() -> None:
    selector = EventSelector(shipped("uniswap-v3-pools-hourly"))
    assert selector.select(metric(dimensions=POOL | {"dex": "sushiswap"})) is None
    assert selector.select(metric(dimensions=POOL | {"feed": "snapshot"})) is None
    rejected = selector.select(
        metric(dimensions={"chain": "ethereum", "dex": "uniswap-v3", "feed": "hourly"})
    )
    assert isinstance(rejected, Rejection)
    assert rejected.reason == "missing_dimension"
    assert "pool" in rejected.detail
    rejected = selector.select(metric(measures={"liquidity": 1.0}))
    assert isinstance(rejected, Rejection)
    assert rejected.reason == "no_measures"


@pytest.mark.parametrize(
    ("source", "matches"),
    [("simulator", True), (["a", "simulator"], True), (["a", "b"], False)],
)
def test_source_filter_is_equals_or_one_of(source: str | list[str], matches: bool) -> None:
    dataset = DatasetConfig.model_validate(
        shipped("generic").model_dump() | {"source": {"topic": "t", "filter": {"source": source}}}
    )
    assert (EventSelector(dataset).select(metric()) is not None) == matches


def test_transactions_feed_only_the_measures_of_their_kind() -> None:
    selector = EventSelector(shipped("swaps-per-pool-per-minute"))
    swap = selector.select(transaction())
    assert isinstance(swap, Observation)
    assert swap.values == {
        "swap_count": 1.0,
        "volume_usd": 1500.0,
        "largest_trade_usd": 1500.0,
        "distinct_senders": "0x1f9a",
    }
    mint = selector.select(transaction(kind="mint", sender=None))
    assert isinstance(mint, Observation)
    assert mint.values == {"liquidity_added_usd": 1500.0}


def test_generic_takes_every_dimension_and_measure() -> None:
    observed = EventSelector(shipped("generic")).select(metric())
    assert isinstance(observed, Observation)
    assert observed.dimensions == POOL
    assert observed.values == metric().measures


def test_the_wrong_event_type_is_a_wiring_error() -> None:
    with pytest.raises(TypeError, match="dex_transaction"):
        EventSelector(shipped("swaps-per-pool-per-minute")).select(metric())
