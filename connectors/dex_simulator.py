"""A seeded, deterministic DEX market simulator with labelled, injected anomalies.

It stands in for The Graph when there is no network, no API key, or a test needs ground truth:
each step is one interval of simulated time with one `MetricEvent` per pool, and `labels()` says
exactly which series-intervals were made anomalous, so detectors can be scored against it.

The model, per pool:

- **TVL** follows a slow, mean-reverting random walk in log space around a per-pool level drawn
  log-uniformly from 1e6 to 2e8 USD (about 2% a day).
- **Volume** is a per-pool daily turnover (volume / TVL) times the current TVL, shaped by a daily
  season (busiest at 15:00 UTC, quietest at 03:00) and a weekly one (weekends at 70%), times
  multiplicative log-normal noise (12%, mean one).
- **Fees** are volume times the pool's fee tier, always.
- **Transactions** follow volume (partly sharing its noise) at a per-pool average trade size
  (400 to 25,000 USD), so small pools see a few trades an interval and big ones hundreds.

Randomness is drawn per pool from `SeedSequence([seed, pool_index])`, in the same order whether
or not an anomaly is injected: a pool's series does not depend on how many pools run, and an
anomaly changes its own window and nothing else.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import numpy as np
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.metric_event import MetricEvent, series_key

__all__ = [
    "ANOMALY_KINDS",
    "MAX_POOLS",
    "AnomalyKind",
    "DexMarketSimulator",
    "InjectedAnomaly",
    "PoolProfile",
    "SimulatorConfig",
]

MAX_POOLS = 1000
SOURCE = "simulator"

AnomalyKind = Literal["volume_burst"]
ANOMALY_KINDS: tuple[AnomalyKind, ...] = ("volume_burst",)

_EARLIEST_START = datetime(2015, 7, 30, tzinfo=UTC)  # Ethereum's genesis block
_LATEST_START = datetime(2100, 1, 1, tzinfo=UTC)

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
_PEGGED_PAIRS = frozenset({"DAI-USDC", "USDC-USDT", "wstETH-WETH"})
_UNISWAP_TIERS_PEGGED = (0.0001, 0.0005)
_UNISWAP_TIERS = (0.0005, 0.003, 0.01)
_SUSHISWAP_TIER = 0.003

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


class SimulatorConfig(BaseModel):
    """What to simulate. Every field has a range; an invalid value names itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pools: Annotated[int, Field(ge=1, le=MAX_POOLS)] = 4
    step_seconds: Annotated[int, Field(ge=1, le=86_400)] = Field(
        default=300, description="Simulated time between two points of a series."
    )
    start: AwareDatetime = Field(
        default=datetime(2026, 1, 5, tzinfo=UTC),
        description="Event time of step 0 (default: a Monday, 00:00 UTC).",
    )
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 7
    anomaly_kind: AnomalyKind = "volume_burst"
    anomaly_at_step: Annotated[int, Field(ge=0, le=100_000_000)] | None = Field(
        default=300, description="First anomalous step; None injects nothing."
    )
    anomaly_pool: Annotated[int, Field(ge=0, le=MAX_POOLS - 1)] = Field(
        default=1, description="Index of the pool that gets the anomaly (0-based, < pools)."
    )
    anomaly_steps: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=3, description="How many consecutive steps are anomalous."
    )
    anomaly_magnitude: Annotated[float, Field(gt=1.0, le=1000.0, allow_inf_nan=False)] = Field(
        default=8.0, description="Multiplier applied by the anomaly (e.g. to volume)."
    )

    @field_validator("start")
    @classmethod
    def _start_in_range(cls, value: datetime) -> datetime:
        value = value.astimezone(UTC)
        if not _EARLIEST_START <= value < _LATEST_START:
            raise ValueError(
                f"expected a time from {_EARLIEST_START.isoformat()} to before "
                f"{_LATEST_START.isoformat()}"
            )
        return value

    @model_validator(mode="after")
    def _anomaly_pool_exists(self) -> SimulatorConfig:
        if self.anomaly_at_step is not None and self.anomaly_pool >= self.pools:
            raise ValueError(
                f"anomaly_pool={self.anomaly_pool} does not exist with pools={self.pools} "
                f"(expected 0 to {self.pools - 1})"
            )
        return self


class InjectedAnomaly(BaseModel):
    """Ground truth: one injected anomaly on one series.

    The window is half-open: a point is anomalous exactly when `start <= event_time < end`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    series: str = Field(description="The series key, see `schemas.series_key`.")
    dimensions: dict[str, str]
    kind: AnomalyKind
    start: AwareDatetime
    end: AwareDatetime


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


@dataclass(frozen=True, slots=True)
class _Point:
    """One pool's measures for one step, before fees are derived."""

    tvl_usd: float
    volume_usd: float
    tx_count: float


# An injector turns a normal point into an anomalous one. A new kind of anomaly is a new
# function here, a new name in `AnomalyKind`, and (if it needs them) new config fields.
_Injector = Callable[[_Point, float], _Point]


def _volume_burst(point: _Point, magnitude: float) -> _Point:
    """Wash trading: volume and trade count jump, liquidity does not move."""
    return replace(
        point,
        volume_usd=point.volume_usd * magnitude,
        tx_count=float(round(point.tx_count * magnitude)),
    )


_INJECTORS: dict[AnomalyKind, _Injector] = {"volume_burst": _volume_burst}


@dataclass(frozen=True, slots=True)
class _Plan:
    """One anomaly to inject, in steps."""

    kind: AnomalyKind
    pool: int
    first_step: int
    steps: int
    magnitude: float

    def covers(self, pool: int, step: int) -> bool:
        return pool == self.pool and self.first_step <= step < self.first_step + self.steps


class DexMarketSimulator:
    """Deterministic DEX pool metrics: the same config always yields the same events."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config if config is not None else SimulatorConfig()
        self._step = timedelta(seconds=self.config.step_seconds)
        self._run_id = hashlib.sha256(self.config.model_dump_json().encode()).hexdigest()[:12]
        self._plans = self._plan()
        self.pools: list[PoolProfile] = [
            _pool_profile(self.config.seed, index) for index in range(self.config.pools)
        ]

    def event_time(self, step: int) -> datetime:
        """Event time of the points of `step`."""
        return self.config.start + step * self._step

    def steps(self, count: int | None = None) -> Iterator[list[MetricEvent]]:
        """One list per step, one event per pool; endless unless `count` is given.

        Each call starts again from step 0 with the same randomness.
        """
        walkers = [_PoolWalker(profile, self.config) for profile in self.pools]
        step = 0
        while count is None or step < count:
            event_time = self.event_time(step)
            season = _season(event_time)
            events = []
            for walker in walkers:
                point = walker.advance(season)
                for plan in self._plans:
                    if plan.covers(walker.profile.index, step):
                        point = _INJECTORS[plan.kind](point, plan.magnitude)
                events.append(self._event(walker.profile, step, event_time, point))
            yield events
            step += 1

    def labels(self) -> list[InjectedAnomaly]:
        """Every anomaly this configuration injects, in start order."""
        labels = []
        for plan in self._plans:
            profile = self.pools[plan.pool]
            labels.append(
                InjectedAnomaly(
                    series=profile.series,
                    dimensions=dict(profile.dimensions),
                    kind=plan.kind,
                    start=self.event_time(plan.first_step),
                    end=self.event_time(plan.first_step + plan.steps),
                )
            )
        return labels

    def _plan(self) -> list[_Plan]:
        config = self.config
        if config.anomaly_at_step is None:
            return []
        return [
            _Plan(
                kind=config.anomaly_kind,
                pool=config.anomaly_pool,
                first_step=config.anomaly_at_step,
                steps=config.anomaly_steps,
                magnitude=config.anomaly_magnitude,
            )
        ]

    def _event(
        self, profile: PoolProfile, step: int, event_time: datetime, point: _Point
    ) -> MetricEvent:
        volume = round(point.volume_usd, 2)
        return MetricEvent(
            event_time=event_time,
            source=SOURCE,
            dimensions=dict(profile.dimensions),
            measures={
                "tvl_usd": round(point.tvl_usd, 2),
                "volume_usd": volume,
                "fees_usd": volume * profile.fee_tier,
                "tx_count": point.tx_count,
            },
            event_id=f"sim-{self._run_id}-{step}-{profile.index}",
        )


class _PoolWalker:
    """The evolving state of one pool: its TVL walk and its random stream."""

    def __init__(self, profile: PoolProfile, config: SimulatorConfig) -> None:
        self.profile = profile
        self._rng = _pool_rng(config.seed, profile.index, stream=1)
        days_per_step = config.step_seconds / _SECONDS_PER_DAY
        self._tvl_sigma = _TVL_DAILY_SIGMA * math.sqrt(days_per_step)
        self._tvl_keep = math.exp(-_TVL_DAILY_MEAN_REVERSION * days_per_step)
        self._volume_per_tvl = profile.daily_turnover * days_per_step
        self._tx_rate = profile.tx_per_5_minutes * config.step_seconds / 300.0
        self._log_tvl_offset = 0.0

    def advance(self, season: float) -> _Point:
        # Always three draws per step, in this order: determinism does not depend on the path.
        tvl_shock, volume_z, tx_z = self._rng.standard_normal(3)
        self._log_tvl_offset = self._log_tvl_offset * self._tvl_keep + self._tvl_sigma * tvl_shock
        tvl = self.profile.base_tvl_usd * math.exp(self._log_tvl_offset)
        volume_noise = _mean_one_lognormal(float(volume_z), _VOLUME_NOISE_SIGMA)
        volume = tvl * self._volume_per_tvl * season * volume_noise
        tx_noise = volume_noise**_TX_SHARE_OF_VOLUME_NOISE * _mean_one_lognormal(
            float(tx_z), _TX_OWN_NOISE_SIGMA
        )
        tx_count = max(1.0, float(round(self._tx_rate * season * tx_noise)))
        return _Point(tvl_usd=tvl, volume_usd=volume, tx_count=tx_count)


def _pool_rng(seed: int, index: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, index, stream]))


def _pool_profile(seed: int, index: int) -> PoolProfile:
    rng = _pool_rng(seed, index, stream=0)
    dex = "uniswap-v3" if rng.random() < 0.7 else "sushiswap"
    pair = _PAIRS[int(rng.integers(len(_PAIRS)))]
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


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return math.exp(float(rng.uniform(math.log(low), math.log(high))))


def _mean_one_lognormal(z: float, sigma: float) -> float:
    return math.exp(sigma * z - sigma * sigma / 2.0)


def _season(event_time: datetime) -> float:
    """Volume multiplier for the time of day and the day of the week (UTC)."""
    hour = event_time.hour + event_time.minute / 60.0 + event_time.second / 3600.0
    daily = 1.0 + _DAILY_AMPLITUDE * math.cos(2.0 * math.pi * (hour - _PEAK_HOUR_UTC) / 24.0)
    weekly = _WEEKEND_FACTOR if event_time.weekday() >= 5 else 1.0
    return daily * weekly
