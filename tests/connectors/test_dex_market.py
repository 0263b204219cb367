"""The simulator's normal market: prices, and which pools trade stablecoin pairs."""

from __future__ import annotations

import statistics

from dexwatch.connectors.dex_market import STABLE_PAIRS, pool_profile
from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig

STEPS_PER_WEEK = 7 * 24 * 12


def test_every_fourth_pool_trades_a_stablecoin_pair() -> None:
    for seed in (1, 7, 99):
        pairs = [pool_profile(seed, index).pair for index in range(16)]
        assert all(pairs[index] in STABLE_PAIRS for index in (3, 7, 11, 15)), pairs
        assert pool_profile(seed, 3).is_stable
        assert pool_profile(seed, 3).fee_tier in {0.0001, 0.0005, 0.003}


def test_prices_stay_near_the_peg_for_stable_pairs_and_move_for_others() -> None:
    simulator = DexMarketSimulator(SimulatorConfig(pools=8, anomaly_at_step=None))
    prices: dict[int, list[float]] = {index: [] for index in range(8)}
    for events in simulator.steps(STEPS_PER_WEEK):
        for index, event in enumerate(events):
            prices[index].append(event.measures["price"])
    for profile in simulator.pools:
        series = prices[profile.index]
        assert min(series) > 0
        if profile.is_stable:
            assert max(abs(price - 1.0) for price in series) < 0.003, profile.pair
        elif profile.pair != "wstETH-WETH":
            spread = statistics.pstdev(series) / statistics.fmean(series)
            assert spread > 0.002, f"{profile.pair} moves"
            assert max(series) / min(series) < 3, f"{profile.pair} stays plausible over a week"


def test_price_is_the_same_with_or_without_other_pools() -> None:
    small = DexMarketSimulator(SimulatorConfig(pools=2, anomaly_at_step=None))
    large = DexMarketSimulator(SimulatorConfig(pools=6, anomaly_at_step=None))
    for left, right in zip(small.steps(30), large.steps(30), strict=False):
        assert [e.measures["price"] for e in left] == [e.measures["price"] for e in right[:2]]
