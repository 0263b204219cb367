"""The normal market of the DEX simulator: who the pools are and how their measures move.

Kept apart from the anomalies (`connectors.dex_anomalies`) and the stepping and config
(`connectors.dex_simulator`) so each can be read on its own. The model, per pool:

- **TVL** follows a slow, mean-reverting random walk in log space around a per-pool level drawn
  log-uniformly from 1e6 to 2e8 USD (about 2% a day).
- **Volume** is a per-pool daily turnover (volume / TVL) times the current TVL, shaped by a daily
  season (busiest at 15:00 UTC, quietest at 03:00) and a weekly one (weekends at 70%), times
  multiplicative log-normal noise (12%, mean one).
- **Fees** are volume times the pool's fee tier (unless an anomaly says otherwise).
- **Transactions** follow volume (partly sharing its noise) at a per-pool average trade size
  (400 to 25,000 USD), so small pools see a few trades an interval and big ones hundreds.
- **Price** (token1 per token0 of the pair) is a mean-reverting walk in log space around the
  pair's reference price: stablecoin pairs stay within about 0.15% of 1.0, liquid-staking pairs
  within a fraction of a percent of theirs, other pairs move a few percent a day.

Every fourth pool (index 3, 7, 11, ...) trades a stablecoin pair, so any run of four pools or
more has a pool that can lose its peg. Randomness is drawn per pool from
`SeedSequence([seed, pool_index, stream])`, in the same order whatever happens: a pool's series
does not depend on how many pools run, and an anomaly changes only the points it touches.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from dexwatch.schemas.metric_event import series_key

__all__ = [
    "STABLE_PAIRS",
    "MarketPoint",
    "PoolProfile",
    "PoolWalker",
    "pool_profile",
    "pool_rng",
    "season",
]

# Pairs and the fee tiers they trade at. Uniswap v3 pools pick one of several tiers; SushiSwap
# (v2-style) charges 0.3% on everything.
_PAIRS: tuple[str, ...] = (
    "WETH-USDC",
    "WETH-USDT",
    "WBTC-WETH",
    "WBTC-USDC",
    "DAI-USDC",
    "USDC-USDT",
    "wstETH-WETH",
    "LINK-WETH",
    "UNI-WETH",
    "AAVE-WETH",
    "MKR-WETH",
    "LDO-WETH",
    "PEPE-WETH",
    "SHIB-WETH",
    "CRV-WETH",
    "WETH-DAI",
)
STABLE_PAIRS: tuple[str, ...] = ("DAI-USDC", "USDC-USDT")
"""Pairs of two USD stablecoins: their price is pegged at 1.0 (the only pools that can depeg)."""
_PEGGED_PAIRS = frozenset({*STABLE_PAIRS, "wstETH-WETH"})
_STABLE_POOL_EVERY = 4  # pool indices 3, 7, 11, ... trade a stablecoin pair
_UNISWAP_TIERS_PEGGED = (0.0001, 0.0005)
_UNISWAP_TIERS = (0.0005, 0.003, 0.01)
_SUSHISWAP_TIER = 0.003

# Reference prices (token1 per token0), roughly those of early 2026.
_REFERENCE_PRICE: dict[str, float] = {
    "WETH-USDC": 3000.0,
    "WETH-USDT": 3000.0,
    "WBTC-WETH": 30.0,
    "WBTC-USDC": 90_000.0,
    "DAI-USDC": 1.0,
    "USDC-USDT": 1.0,
    "wstETH-WETH": 1.2,
    "LINK-WETH": 0.005,
    "UNI-WETH": 0.003,
    "AAVE-WETH": 0.08,
    "MKR-WETH": 0.5,
    "LDO-WETH": 0.0006,
    "PEPE-WETH": 3e-9,
    "SHIB-WETH": 8e-9,
    "CRV-WETH": 0.0002,
    "WETH-DAI": 3000.0,
}
# Price walk (log space): daily volatility and daily mean reversion, by kind of pair.
_PRICE_PEGGED = (0.004, 60.0)  # about 0.04% from the peg, rarely 0.15%
_PRICE_FLOATING = (0.04, 0.1)

# Levels and noise (see the module docstring).
_TVL_RANGE_USD = (1e6, 2e8)
_DAILY_TURNOVER_RANGE = (0.05, 1.2)  # volume per day / TVL
_AVERAGE_TRADE_USD_RANGE = (400.0, 25_000.0)
_TX_PER_5_MINUTES_BOUNDS = (2.0, 400.0)
_VOLUME_NOISE_SIGMA = 0.12  # log-normal, multiplicative
_TX_OWN_NOISE_SIGMA = 0.06  # on top of the share of volume noise below
_TX_SHARE_OF_VOLUME_NOISE = 0.7
_TVL_DAILY_SIGMA = 0.02
_TVL_DAILY_MEAN_REVERSION = 0.05
_DAILY_AMPLITUDE = 0.45  # volume swings between 55% and 145% of its daily mean
_PEAK_HOUR_UTC = 15.0
_WEEKEND_FACTOR = 0.7
_SECONDS_PER_DAY = 86_400.0
_PRICE_SIGNIFICANT_DIGITS = 8


@dataclass(frozen=True, slots=True)
class PoolProfile:
    """The fixed character of one simulated pool."""

    index: int
    dimensions: dict[str, str]
    fee_tier: float
    base_tvl_usd: float
    daily_turnover: float
    tx_per_5_minutes: float

    @property
    def series(self) -> str:
        return series_key(self.dimensions)

    @property
    def pair(self) -> str:
        return self.dimensions["pair"]

    @property
    def is_stable(self) -> bool:
        """Both tokens are USD stablecoins: the price is pegged at 1.0."""
        return self.pair in STABLE_PAIRS


@dataclass(frozen=True, slots=True)
class MarketPoint:
    """One pool's measures for one step; fees are `volume_usd * fee_rate`."""

    tvl_usd: float
    volume_usd: float
    tx_count: float
    price: float
    fee_rate: float

    def measures(self) -> dict[str, float]:
        """The measures of a metric event, rounded as a data source would report them."""
        volume = round(self.volume_usd, 2)
        return {
            "tvl_usd": round(self.tvl_usd, 2),
            "volume_usd": volume,
            "fees_usd": volume * self.fee_rate,
            "tx_count": self.tx_count,
            "price": float(f"{self.price:.{_PRICE_SIGNIFICANT_DIGITS}g}"),
        }


class PoolWalker:
    """The evolving state of one pool: its TVL and price walks and their random streams."""

    def __init__(self, profile: PoolProfile, seed: int, step_seconds: int) -> None:
        self.profile = profile
        self._rng = pool_rng(seed, profile.index, stream=1)
        # Its own stream, so that adding prices left TVL, volume and trades as they were.
        self._price_rng = pool_rng(seed, profile.index, stream=2)
        days_per_step = step_seconds / _SECONDS_PER_DAY
        self._tvl_sigma = _TVL_DAILY_SIGMA * math.sqrt(days_per_step)
        self._tvl_keep = math.exp(-_TVL_DAILY_MEAN_REVERSION * days_per_step)
        price_sigma, price_reversion = (
            _PRICE_PEGGED if profile.pair in _PEGGED_PAIRS else _PRICE_FLOATING
        )
        # The exact discretisation of an Ornstein-Uhlenbeck walk: same spread at any step length.
        self._price_keep = math.exp(-price_reversion * days_per_step)
        self._price_sigma = (
            price_sigma * math.sqrt(1.0 - self._price_keep**2) / math.sqrt(2.0 * price_reversion)
        )
        self._volume_per_tvl = profile.daily_turnover * days_per_step
        self._tx_rate = profile.tx_per_5_minutes * step_seconds / 300.0
        self._log_tvl_offset = 0.0
        self._log_price_offset = 0.0

    def advance(self, season: float) -> MarketPoint:
        # Always the same draws per step, in this order: determinism does not depend on the path.
        tvl_shock, volume_z, tx_z = self._rng.standard_normal(3)
        price_shock = float(self._price_rng.standard_normal())
        self._log_tvl_offset = self._log_tvl_offset * self._tvl_keep + self._tvl_sigma * tvl_shock
        self._log_price_offset = (
            self._log_price_offset * self._price_keep + self._price_sigma * price_shock
        )
        tvl = self.profile.base_tvl_usd * math.exp(self._log_tvl_offset)
        volume_noise = _mean_one_lognormal(float(volume_z), _VOLUME_NOISE_SIGMA)
        volume = tvl * self._volume_per_tvl * season * volume_noise
        tx_noise = volume_noise**_TX_SHARE_OF_VOLUME_NOISE * _mean_one_lognormal(
            float(tx_z), _TX_OWN_NOISE_SIGMA
        )
        tx_count = max(1.0, float(round(self._tx_rate * season * tx_noise)))
        price = _REFERENCE_PRICE[self.profile.pair] * math.exp(self._log_price_offset)
        return MarketPoint(tvl, volume, tx_count, price, self.profile.fee_tier)


def pool_rng(seed: int, index: int, stream: int) -> np.random.Generator:
    """The random stream `stream` of pool `index` (0: its profile, 1: TVL/volume, 2: price)."""
    return np.random.default_rng(np.random.SeedSequence([seed, index, stream]))


def pool_profile(seed: int, index: int) -> PoolProfile:
    """Pool `index` of a run seeded `seed`: the same whatever else the run does."""
    rng = pool_rng(seed, index, stream=0)
    dex = "uniswap-v3" if rng.random() < 0.7 else "sushiswap"
    drawn = int(rng.integers(len(_PAIRS)))
    if index % _STABLE_POOL_EVERY == _STABLE_POOL_EVERY - 1:
        pair = STABLE_PAIRS[drawn % len(STABLE_PAIRS)]
    else:
        pair = _PAIRS[drawn]
    if dex == "sushiswap":
        fee_tier = _SUSHISWAP_TIER
    else:
        tiers = _UNISWAP_TIERS_PEGGED if pair in _PEGGED_PAIRS else _UNISWAP_TIERS
        fee_tier = tiers[int(rng.integers(len(tiers)))]
    base_tvl = _log_uniform(rng, *_TVL_RANGE_USD)
    daily_turnover = _log_uniform(rng, *_DAILY_TURNOVER_RANGE)
    volume_per_5_minutes = base_tvl * daily_turnover * 300.0 / _SECONDS_PER_DAY
    tx_per_5_minutes = volume_per_5_minutes / _log_uniform(rng, *_AVERAGE_TRADE_USD_RANGE)
    digest = hashlib.sha256(f"dexwatch-simulator:{seed}:{index}".encode()).hexdigest()
    return PoolProfile(
        index=index,
        dimensions={"chain": "ethereum", "dex": dex, "pool": "0x" + digest[:40], "pair": pair},
        fee_tier=fee_tier,
        base_tvl_usd=base_tvl,
        daily_turnover=daily_turnover,
        tx_per_5_minutes=min(
            max(tx_per_5_minutes, _TX_PER_5_MINUTES_BOUNDS[0]), _TX_PER_5_MINUTES_BOUNDS[1]
        ),
    )


def season(event_time: datetime) -> float:
    """Activity multiplier for the time of day and the day of the week (UTC)."""
    hour = event_time.hour + event_time.minute / 60.0 + event_time.second / 3600.0
    daily = 1.0 + _DAILY_AMPLITUDE * math.cos(2.0 * math.pi * (hour - _PEAK_HOUR_UTC) / 24.0)
    weekly = _WEEKEND_FACTOR if event_time.weekday() >= 5 else 1.0
    return daily * weekly


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return math.exp(float(rng.uniform(math.log(low), math.log(high))))


def _mean_one_lognormal(z: float, sigma: float) -> float:
    return math.exp(sigma * z - sigma * sigma / 2.0)
