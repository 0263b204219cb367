"""Hourly and snapshot feeds against the server: finality under lag, quiet hours, both schemas."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from dexwatch.schemas.metric_event import MetricEvent
from tests.connectors.thegraph.conftest import HEAD, START, V2_ID, V3_ID, Harness

HOUR = 3600
MEASURES = {"tvl_usd", "volume_usd", "fees_usd", "tx_count", "liquidity", "price"}


def hours_of(events: list[MetricEvent]) -> set[int]:
    return {int(event.event_time.timestamp()) for event in events}


def test_an_hour_is_held_back_until_the_indexed_block_is_past_it(harness: Harness) -> None:
    harness.control.lag_s = 20 * 60  # the indexer is at 29:50, we are at 30:10
    [lagging] = harness.poll()
    assert lagging.block is not None
    assert lagging.block.timestamp == HEAD - 1200
    assert harness.metric("dexwatch_thegraph_indexing_lag_seconds") == 1200
    first = harness.sink.of("pool_hour")
    assert max(hours_of(first)) == START + 28 * HOUR, "hour 29 is not over at the indexed block"

    harness.control.lag_s = 0
    [caught_up] = harness.poll()
    second = harness.sink.of("pool_hour")[len(first) :]
    assert hours_of(second) == {START + 29 * HOUR}
    assert caught_up.hourly_events == len(second) > 0
    assert harness.metric("dexwatch_thegraph_indexing_lag_seconds") == 0


def test_hourly_values_match_the_subgraph_and_quiet_hours_are_filled(harness: Harness) -> None:
    [report] = harness.poll()
    events = harness.sink.of("pool_hour")
    assert report.filled_hours > 0
    assert harness.metric("dexwatch_thegraph_hours_filled_total") == report.filled_hours
    view = harness.server.view(V3_ID)
    rows = {
        (row["pool"]["id"], row["periodStartUnix"]): row
        for row in view.collection("PoolHourData", view.dataset.block_at(HEAD))
    }
    by_series: dict[str, list[MetricEvent]] = {}
    for event in events:
        assert set(event.measures) == MEASURES
        assert event.dimensions["feed"] == "hourly"
        by_series.setdefault(event.series_key, []).append(event)
    checked_rows = checked_quiet = 0
    for series in by_series.values():
        times = [int(event.event_time.timestamp()) for event in series]
        assert times == list(range(times[0], times[-1] + HOUR, HOUR)), "no hour missing"
        for previous, event in itertools.pairwise(series):
            row = rows.get((event.dimensions["pool"], int(event.event_time.timestamp())))
            if row is None:
                checked_quiet += 1
                assert event.measures["volume_usd"] == event.measures["tx_count"] == 0
                assert event.measures["tvl_usd"] == previous.measures["tvl_usd"]
            else:
                checked_rows += 1
                assert event.measures["volume_usd"] == float(Decimal(row["volumeUSD"]))
                assert event.measures["tx_count"] == int(row["txCount"])
    assert checked_rows > 50
    assert checked_quiet > 10


def test_snapshots_become_per_poll_deltas(harness: Harness) -> None:
    reports = harness.poll(cycles=3)
    assert reports[0].snapshot_events == 0, "the first poll is a baseline"
    snapshots = harness.sink.of("pool_snapshot")
    assert len(snapshots) == reports[1].snapshot_events + reports[2].snapshot_events == 72
    view = harness.server.view(V3_ID)
    block_1, block_2 = (view.dataset.block_at(HEAD + 300 * n) for n in (0, 1))
    pools_1 = {row["id"]: row for row in view.collection("Pool", block_1)}
    pools_2 = {row["id"]: row for row in view.collection("Pool", block_2)}
    for event in snapshots[:36]:
        pool = event.dimensions["pool"]
        assert event.dimensions["feed"] == "snapshot"
        expected = Decimal(pools_2[pool]["volumeUSD"]) - Decimal(pools_1[pool]["volumeUSD"])
        assert event.measures["volume_usd"] == float(expected)
        assert event.measures["tx_count"] == int(pools_2[pool]["txCount"]) - int(
            pools_1[pool]["txCount"]
        )
        assert event.measures["tvl_usd"] == float(Decimal(pools_2[pool]["totalValueLockedUSD"]))


@pytest.mark.parametrize("subgraph", [V3_ID, V2_ID])
def test_both_schemas_give_the_same_event_shape(harness: Harness, subgraph: str) -> None:
    harness.poll(harness.settings(subgraph), cycles=2)
    events = harness.sink.of("pool_hour") + harness.sink.of("pool_snapshot")
    assert events
    dex = "uniswap-v3" if subgraph == V3_ID else "uniswap-v2"
    for event in events:
        assert set(event.measures) == MEASURES
        stable = set(event.dimensions["pair"].split("-")) <= {"USDC", "USDT", "DAI"}
        extra = {"stable_pair"} if stable else set()
        assert set(event.dimensions) == {"chain", "dex", "pool", "pair", "feed", *extra}
        assert event.dimensions.get("stable_pair") == ("true" if stable else None)
        assert event.dimensions["dex"] == dex
        assert event.measures["liquidity"] > 0
        assert event.measures["price"] > 0
    if subgraph == V2_ID:
        busy = [event for event in events if event.measures["volume_usd"] > 0]
        assert all(
            event.measures["fees_usd"] == pytest.approx(event.measures["volume_usd"] * 0.003)
            for event in busy
        )


def test_an_explicit_pool_list(harness: Harness) -> None:
    view = harness.server.view(V3_ID)
    chosen = [history.profile.id for history in view.dataset.pools[:3]]
    harness.poll(harness.settings(pools=[chosen[0].upper(), *chosen[1:]]))
    assert {event.dimensions["pool"] for event in harness.sink.of("pool_hour")} <= set(chosen)
    assert harness.metric("dexwatch_thegraph_pools_watched") == 3
    assert not any("TopPools" in request.query for request in harness.control.requests)
