"""Per-poll deltas of cumulative counters: baseline first, refusal when a counter falls."""

from __future__ import annotations

from decimal import Decimal

from dexwatch.connectors.thegraph.records import PoolIdentity, PoolSnapshot, PoolState
from dexwatch.connectors.thegraph.snapshot_deltas import snapshot_delta

STATE = PoolState(tvl_usd=Decimal(1000), liquidity=Decimal(5), price=Decimal(2))


def snapshot(volume: str, fees: str, tx_count: int) -> PoolSnapshot:
    return PoolSnapshot(PoolIdentity("0xp", "A-B"), STATE, Decimal(volume), Decimal(fees), tx_count)


def test_first_poll_sets_the_baseline_and_the_next_emits_the_difference() -> None:
    first = snapshot_delta(None, snapshot("100.5", "0.3", 10), 1000)
    assert first.point is None
    second = snapshot_delta(first.baseline, snapshot("160.25", "0.48", 14), 1300)
    assert second.point is not None
    assert (second.point.volume_usd, second.point.fees_usd, second.point.tx_count) == (
        Decimal("59.75"),
        Decimal("0.18"),
        4,
    )
    assert second.point.time == 1300
    assert second.point.feed == "snapshot"


def test_the_same_block_again_emits_nothing() -> None:
    first = snapshot_delta(None, snapshot("1", "0", 1), 1000)
    again = snapshot_delta(first.baseline, snapshot("1", "0", 1), 1000)
    assert again.point is None
    assert again.baseline == first.baseline


def test_a_falling_counter_is_refused_and_the_baseline_reset() -> None:
    first = snapshot_delta(None, snapshot("100", "1", 10), 1000)
    fallen = snapshot_delta(first.baseline, snapshot("90", "1", 10), 1300)
    assert fallen.point is None
    assert fallen.refusal is not None
    assert (fallen.refusal.reason, fallen.refusal.field) == ("cumulative_decreased", "volumeUSD")
    assert fallen.baseline.volume_usd == Decimal(90)
